"""TXT lookups for domain verification, through the resolver the ``DNS_RESOLVER`` setting names.

* ``system``: the machine's resolver (``/etc/resolv.conf``) through dnspython — production;
* ``fixtures:PATH``: answers read from a JSON file ``{"name": ["txt value", …]}`` — the embedded
  default (``instance/dns-fixtures.json``) and the tests, which never touch the network.
"""

from __future__ import annotations

import json
from pathlib import Path

import dns.exception
import dns.name
import dns.resolver
from flask import current_app

from kaidian.platform.config import ROOT

TIMEOUT = 5.0  # seconds for one lookup, all retries included
MAX_ANSWERS = 50  # a name with more TXT records than this is not worth reading


class LookupFailed(Exception):
    """The resolver could not answer (timeout, SERVFAIL…): try again later."""


def txt_values(name: str) -> list[str]:
    """The TXT strings published at ``name`` (empty when the name or the record does not exist)."""
    spec = current_app.config.get("DNS_RESOLVER", "system")
    if spec.startswith("fixtures:"):
        return _from_fixtures(spec.removeprefix("fixtures:"), name)
    return _from_dns(name)


def _from_fixtures(path: str, name: str) -> list[str]:
    file = Path(path) if Path(path).is_absolute() else ROOT / path
    try:
        answers = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise LookupFailed(f"DNS fixtures unreadable: {exc.__class__.__name__}") from None
    values = answers.get(name.lower().rstrip("."), []) if isinstance(answers, dict) else []
    return [str(v) for v in values][:MAX_ANSWERS] if isinstance(values, list) else [str(values)]


def _from_dns(name: str) -> list[str]:
    resolver = dns.resolver.Resolver()
    resolver.lifetime = TIMEOUT
    try:
        answer = resolver.resolve(name, "TXT", raise_on_no_answer=False)
    except (dns.resolver.NXDOMAIN, dns.name.LabelTooLong, dns.name.NameTooLong):
        return []
    except dns.exception.DNSException as exc:
        raise LookupFailed(exc.__class__.__name__) from None
    values = []
    for record in list(answer.rrset or [])[:MAX_ANSWERS]:
        values.append(b"".join(record.strings).decode("utf-8", "replace"))
    return values
