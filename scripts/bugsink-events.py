#!/usr/bin/env python3
"""Print the events a local Bugsink stored, one JSON object per line (oldest first).

Run with the Python of the virtualenv Bugsink is installed in; `scripts/e2e-server.sh events`
does that. Reads Bugsink's SQLite database through Bugsink's own Django models, so it works
whether the server runs or not. The event JSON is stored as the SDK sent it.

  bugsink-events.py --data DIR [--wait-for N] [--timeout SECONDS] [--id EVENT_ID ...] [--full]

--wait-for N  poll until at least N (matching) events are stored; exit 1 if they never are.
--id          only these events (32 hex digits or dashed UUID); may be repeated.
--full        add "data": the whole stored event.
"""
import argparse
import json
import os
import sys
import time
import uuid


def summary(event, full):
    data = event.get_parsed_data()
    values = lambda v: v.get("values") if isinstance(v, dict) else v  # noqa: E731
    logentry = data.get("logentry") if isinstance(data.get("logentry"), dict) else {}
    out = {
        "event_id": event.event_id.hex,
        "issue": event.issue.friendly_id(),
        "grouping_key": event.grouping.grouping_key,
        "level": data.get("level"),
        "platform": data.get("platform"),
        "release": data.get("release"),
        "environment": data.get("environment"),
        "server_name": data.get("server_name"),
        "transaction": data.get("transaction"),
        "message": logentry.get("formatted") or logentry.get("message") or data.get("message"),
        "exception": [
            {"type": e.get("type"), "value": e.get("value"), "mechanism": e.get("mechanism")}
            for e in (values(data.get("exception")) or [])
            if isinstance(e, dict)
        ],
        "tags": data.get("tags"),
        "indexed_tags": {t.value.key.key: t.value.value for t in event.get_tags},
        "user": data.get("user"),
        "breadcrumbs": values(data.get("breadcrumbs")) or [],
        "contexts": data.get("contexts"),
        "extra": data.get("extra"),
        "fingerprint": data.get("fingerprint"),
        "request": data.get("request"),
        "sdk": data.get("sdk"),
    }
    if full:
        out["data"] = data
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", required=True, help="Bugsink's data directory (bugsink_conf.py)")
    parser.add_argument("--project", default="e2e")
    parser.add_argument("--wait-for", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=15.0)
    parser.add_argument("--id", action="append", default=[])
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()

    sys.path.insert(0, os.path.abspath(args.data))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bugsink_conf"
    import django

    django.setup()
    import logging

    logging.disable(logging.CRITICAL)
    from events.models import Event
    from projects.models import Project

    project = Project.objects.filter(name=args.project, is_deleted=False).first()
    if project is None:
        sys.exit(f"no project {args.project!r} in this Bugsink")
    events = Event.objects.filter(project=project)
    if args.id:
        events = events.filter(event_id__in=[uuid.UUID(i) for i in args.id])
    deadline = time.monotonic() + args.timeout
    while events.count() < args.wait_for and time.monotonic() < deadline:
        time.sleep(0.2)
    count = 0
    for event in events.select_related("issue", "grouping").order_by("digest_order", "ingested_at"):
        print(json.dumps(summary(event, args.full), default=str, ensure_ascii=False))
        count += 1
    if count < args.wait_for:
        print(f"only {count} of {args.wait_for} events after {args.timeout} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
