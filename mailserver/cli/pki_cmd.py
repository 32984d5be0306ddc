"""`caducee pki create|issue|revoke|crl`: the development PKI from the command line.

Parses arguments, resolves defaults (the `pki` folder beside the configuration file, the organisation and structure
id of `[instance]`), calls `mailserver.crypto.pki.DevelopmentPKI` and prints the paths it wrote. No logic beyond
that: certificate profiles, revocation and CRLs live in `mailserver.crypto`.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailserver import config
from mailserver.cli.common import add_config_option
from mailserver.crypto.pki import DevelopmentPKI, IssuedCertificate
from mailserver.errors import UsageError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("pki", help="development PKI: create it, issue test certificates, revoke, publish CRLs")
    psub = p.add_subparsers(dest="pki_action", metavar="ACTION", required=True)

    c = psub.add_parser("create", help="create the root and organisations CAs (refuses to overwrite)")
    _location(c, identity=True)
    c.set_defaults(func=_create)

    issue = psub.add_parser("issue", help="issue a certificate signed by the organisations CA")
    isub = issue.add_subparsers(dest="kind", metavar="KIND", required=True)
    s = isub.add_parser("server", help="MTA certificate (serverAuth and clientAuth), DN in the whitelist form")
    s.add_argument("--hostname", help="host name: CN and SAN (default: instance.hostname, else mail.DOMAIN)")
    s.add_argument("--state", help="ST= attribute, as in many whitelist DNs (e.g. 'Paris (75)')")
    s.add_argument("--name", default="server", help="file name stem: NAME.pem and NAME.key (default: server)")
    _location(s, identity=True)
    _validity(s)
    s.set_defaults(func=_issue_server)

    pe = isub.add_parser("person", help="S/MIME certificate of a professional (emailProtection, clientAuth)")
    pe.add_argument("email", metavar="EMAIL")
    pe.add_argument("--cn", required=True, help="common name, e.g. 'Jean Martin'")
    pe.add_argument("--national-id", help="national id of the professional (8+RPPS), put in UID=")
    pe.add_argument("--name", help="file name stem (default: from the address)")
    _location(pe, identity=False)
    _validity(pe)
    pe.set_defaults(func=_issue_person)

    o = isub.add_parser("organisation", help="organisation client certificate for an APP mailbox (SASL EXTERNAL)")
    o.add_argument("--cn", required=True, help="common name, e.g. the application's name")
    o.add_argument("--email", help="mailbox address: adds SAN rfc822Name and emailProtection (S/MIME)")
    o.add_argument("--name", help="file name stem (default: from the address or the common name)")
    _location(o, identity=True)
    _validity(o)
    o.set_defaults(func=_issue_organisation)

    r = psub.add_parser("revoke", help="revoke a certificate this PKI issued and rewrite the CRLs")
    r.add_argument("certificate", metavar="CERT.pem", type=Path)
    r.add_argument("--reason", default="unspecified", help="RFC 5280 reason, e.g. keyCompromise, superseded")
    _location(r, identity=False)
    r.set_defaults(func=_revoke)

    crl = psub.add_parser("crl", help="write fresh CRLs of both CAs")
    crl.add_argument("--days", type=int, default=7, help="days until the next update (default: 7)")
    _location(crl, identity=False)
    crl.set_defaults(func=_crl)


def _location(p: argparse.ArgumentParser, *, identity: bool) -> None:
    add_config_option(p)
    p.add_argument("--pki", metavar="DIR", type=Path, help="PKI folder (default: the pki folder beside the config)")
    if identity:
        p.add_argument("--organisation", help="O= (default: instance.organisation, else the PKI's own)")
        p.add_argument("--structure-id", help="OU=, e.g. 1+FINESS (default: instance.structure_id, else the PKI's)")


def _validity(p: argparse.ArgumentParser) -> None:
    p.add_argument("--days", type=int, help="validity in days from now (default: 825 for servers, else 1095)")
    p.add_argument("--not-before", type=_moment, metavar="ISO", help="start of validity (ISO date or date-time)")
    p.add_argument("--not-after", type=_moment, metavar="ISO", help="end of validity: in the past for test certs")
    p.add_argument("--replace", action="store_true", help="overwrite NAME.pem and NAME.key if they exist")


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date or date-time: {text!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _settings(args: argparse.Namespace) -> config.Settings | None:
    """The configuration: required when no --pki is given, else used only if the file exists."""
    if args.pki is None or Path(args.config).is_file():
        return config.load(args.config)
    return None


def _pki_dir(args: argparse.Namespace, settings: config.Settings | None) -> Path:
    if args.pki is not None:
        return Path(args.pki)
    assert settings is not None  # _settings loads it whenever --pki is missing
    return Path(settings.base_dir) / "pki"


def _identity(args: argparse.Namespace, settings: config.Settings | None) -> tuple[str | None, str | None]:
    """(organisation, structure id): the flags, else `[instance]`, else None (the PKI's own)."""
    inst = settings.instance if settings else None
    organisation = args.organisation or (inst.organisation if inst and inst.organisation else None)
    structure_id = args.structure_id or (inst.structure_id if inst and inst.structure_id else None)
    return organisation, structure_id


def _validity_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"not_before": args.not_before, "not_after": args.not_after, "replace": args.replace}
    if args.days is not None:
        kwargs["valid_days"] = args.days
    return kwargs


def _open(args: argparse.Namespace) -> tuple[DevelopmentPKI, config.Settings | None]:
    settings = _settings(args)
    return DevelopmentPKI.open(_pki_dir(args, settings)), settings


def _create(args: argparse.Namespace) -> int:
    settings = _settings(args)
    organisation, structure_id = _identity(args, settings)
    if not organisation:
        raise UsageError("give --organisation (or set instance.organisation in the configuration)")
    pki = DevelopmentPKI.create(_pki_dir(args, settings), organisation=organisation, structure_id=structure_id or "")
    for path in (pki.root_cert_path, pki.org_ca_cert_path, pki.root_crl_path, pki.org_crl_path):
        print(path)
    return 0


def _issue_server(args: argparse.Namespace) -> int:
    pki, settings = _open(args)
    hostname = args.hostname
    if not hostname and settings is not None:
        hostname = settings.instance.hostname or f"mail.{settings.instance.domain}"
    if not hostname:
        raise UsageError("give --hostname (or a configuration with instance.hostname)")
    organisation, structure_id = _identity(args, settings)
    issued = pki.issue_server(
        hostname,
        organisation=organisation,
        structure_id=structure_id,
        state=args.state,
        name=args.name,
        **_validity_kwargs(args),
    )
    return _report(issued)


def _issue_person(args: argparse.Namespace) -> int:
    pki, _ = _open(args)
    issued = pki.issue_person(
        args.email, common_name=args.cn, national_id=args.national_id, name=args.name, **_validity_kwargs(args)
    )
    return _report(issued)


def _issue_organisation(args: argparse.Namespace) -> int:
    pki, settings = _open(args)
    organisation, structure_id = _identity(args, settings)
    issued = pki.issue_organisation(
        args.cn,
        organisation=organisation,
        structure_id=structure_id,
        email=args.email,
        name=args.name,
        **_validity_kwargs(args),
    )
    return _report(issued)


def _revoke(args: argparse.Namespace) -> int:
    pki, _ = _open(args)
    serial = pki.revoke(args.certificate, reason=args.reason)
    print(f"revoked serial {serial:x}")
    print(pki.org_crl_path)
    print(pki.root_crl_path)
    return 0


def _crl(args: argparse.Namespace) -> int:
    pki, _ = _open(args)
    print(pki.write_crl(next_update_days=args.days))
    print(pki.root_crl_path)
    return 0


def _report(issued: IssuedCertificate) -> int:
    print(issued.cert_path)
    print(issued.key_path)
    print(f"subject: {issued.subject_dn}")
    print(f"serial: {issued.serial:x}")
    print(f"not after: {issued.not_after.isoformat()}")
    return 0
