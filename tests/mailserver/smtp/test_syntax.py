"""MAIL and RCPT parsing (RFC 5321 §4.1, RFC 1870, 6152, 6531, 3461, 4954 §5), table-driven, without sockets."""

from __future__ import annotations

import pytest

from mailserver.delivery.envelope import MailParams
from mailserver.smtp import replies
from mailserver.smtp.syntax import CommandError, parse_mail, parse_rcpt, split_command


@pytest.mark.parametrize(
    ("arg", "address", "params"),
    [
        ("FROM:<a@b.test>", "a@b.test", MailParams()),
        ("from:<a@b.test>", "a@b.test", MailParams()),
        ("FROM: <a@b.test>", "a@b.test", MailParams()),
        ("FROM:<>", "", MailParams()),
        ("FROM:<@relay.test:a@b.test>", "a@b.test", MailParams()),
        ('FROM:<"a b"@b.test>', '"a b"@b.test', MailParams()),
        ("FROM:<a@[192.0.2.1]>", "a@[192.0.2.1]", MailParams()),
        ("FROM:<a@b.test> SIZE=1000 BODY=8BITMIME", "a@b.test", MailParams(size=1000, body="8BITMIME")),
        ("FROM:<é@b.test> SMTPUTF8", "é@b.test", MailParams(smtputf8=True)),
        ("FROM:<a@b.test> RET=hdrs ENVID=a+2Bb+3Dc", "a@b.test", MailParams(ret="HDRS", envid="a+b=c")),
        ("FROM:<a@b.test> AUTH=<>", "a@b.test", MailParams()),
    ],
)
def test_mail_parses(arg: str, address: str, params: MailParams) -> None:
    request = parse_mail(arg, esmtp=True)
    assert (request.address, request.params) == (address, params)


@pytest.mark.parametrize(
    ("arg", "reply"),
    [
        ("TO:<a@b.test>", replies.MAIL_SYNTAX),
        ("FROM:a@b.test", replies.MAIL_SYNTAX),
        ("FROM:<a@b.test", replies.MAIL_SYNTAX),
        ("FROM:<a@b.test>SIZE=1", replies.MAIL_SYNTAX),
        ("FROM:<a.@b.test>", replies.BAD_SENDER_ADDRESS),
        ("FROM:<a@-b.test>", replies.BAD_SENDER_ADDRESS),
        ("FROM:<a@>", replies.BAD_SENDER_ADDRESS),
        ("FROM:<é@b.test>", replies.NON_ASCII_ADDRESS),
        ("FROM:<" + "a" * 65 + "@b.test>", replies.PATH_TOO_LONG),
        ("FROM:<a@" + "b" * 260 + ".test>", replies.PATH_TOO_LONG),
        ("FROM:<a@b.test> SIZE=big", replies.PARAMETER_INVALID),
        ("FROM:<a@b.test> SIZE=1 SIZE=2", replies.PARAMETER_REPEATED),
        ("FROM:<a@b.test> BODY=BINARYMIME", replies.PARAMETER_INVALID),
        ("FROM:<a@b.test> RET=ALL", replies.PARAMETER_INVALID),
        ("FROM:<a@b.test> ENVID=" + "x" * 101, replies.PARAMETER_INVALID),
        ("FROM:<a@b.test> ENVID=bad+zz", replies.PARAMETER_INVALID),
        ("FROM:<a@b.test> SMTPUTF8=yes", replies.PARAMETER_INVALID),
        ("FROM:<a@b.test> XFORWARD=1", replies.PARAMETER_UNKNOWN),
    ],
)
def test_bad_mail_commands_get_their_reply(arg: str, reply: replies.Reply) -> None:
    with pytest.raises(CommandError) as caught:
        parse_mail(arg, esmtp=True)
    assert caught.value.reply == reply


def test_parameters_need_ehlo() -> None:
    with pytest.raises(CommandError) as caught:
        parse_mail("FROM:<a@b.test> SIZE=10", esmtp=False)
    assert caught.value.reply == replies.PARAMETERS_NEED_EHLO


@pytest.mark.parametrize(
    ("arg", "notify", "orcpt"),
    [
        ("TO:<a@b.test>", None, None),
        ("TO:<a@b.test> NOTIFY=NEVER", frozenset({"NEVER"}), None),
        ("TO:<a@b.test> NOTIFY=success,Delay", frozenset({"SUCCESS", "DELAY"}), None),
        ("TO:<a@b.test> ORCPT=rfc822;A+40b.test", None, "rfc822;A@b.test"),
        ("TO:<a@b.test> ORCPT=UTF-8;caf+C3+A9@b.test", None, "utf-8;café@b.test"),
    ],
)
def test_rcpt_parses_dsn_parameters(arg: str, notify: frozenset[str] | None, orcpt: str | None) -> None:
    request = parse_rcpt(arg, esmtp=True, smtputf8=False)
    assert (request.address, request.notify, request.orcpt) == ("a@b.test", notify, orcpt)


@pytest.mark.parametrize(
    ("arg", "reply"),
    [
        ("TO:<>", replies.BAD_RECIPIENT_ADDRESS),
        ("TO:<a@b.test> NOTIFY=NEVER,SUCCESS", replies.PARAMETER_INVALID),
        ("TO:<a@b.test> NOTIFY=SOMETIMES", replies.PARAMETER_INVALID),
        ("TO:<a@b.test> NOTIFY=SUCCESS,SUCCESS", replies.PARAMETER_INVALID),
        ("TO:<a@b.test> ORCPT=a@b.test", replies.PARAMETER_INVALID),
        ("TO:<a@b.test> ORCPT=rfc822;" + "x" * 500, replies.PARAMETER_INVALID),
        ("TO:<a@b.test> SIZE=1", replies.PARAMETER_UNKNOWN),
    ],
)
def test_bad_rcpt_commands_get_their_reply(arg: str, reply: replies.Reply) -> None:
    with pytest.raises(CommandError) as caught:
        parse_rcpt(arg, esmtp=True, smtputf8=False)
    assert caught.value.reply == reply


@pytest.mark.parametrize(
    ("line", "verb", "arg"), [("ehlo x", "EHLO", "x"), ("QUIT", "QUIT", ""), ("mail FROM:<>", "MAIL", "FROM:<>")]
)
def test_split_command(line: str, verb: str, arg: str) -> None:
    assert split_command(line) == (verb, arg)


@pytest.mark.parametrize("line", ["", "12 x", "MA\x00IL", "É"])
def test_a_verb_that_is_not_a_word_is_an_unknown_command(line: str) -> None:
    with pytest.raises(CommandError) as caught:
        split_command(line)
    assert caught.value.reply == replies.UNKNOWN_COMMAND
