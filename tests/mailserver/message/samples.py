"""Sample messages shared by the message tests: each is what a real mailer sends, written with CRLF endings."""

from __future__ import annotations


def crlf(text: str) -> bytes:
    """UTF-8 bytes of `text` with every line ending made CRLF."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


PLAIN = crlf(
    """\
Return-Path: <dr.martin@hopital-nord.mssante.fr>
Date: Mon, 13 Jan 2025 09:30:00 +0100
From: "Martin, Claire" <dr.martin@hopital-nord.mssante.fr>
To: Dr Bernard <bernard@cabinet.mssante.fr>
Cc: secretariat@cabinet.mssante.fr
Subject: =?utf-8?q?Compte_rendu_d=27hospitalisation?=
Message-ID: <20250113093000.1234@hopital-nord.mssante.fr>
In-Reply-To: <a1@cabinet.mssante.fr>
References: <a0@cabinet.mssante.fr>
 <a1@cabinet.mssante.fr>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Bonjour,
le patient est sorti ce matin.
"""
)

MIXED = crlf(
    """\
From: Labo <labo@bio.mssante.fr>
To: dr@cab.mssante.fr
Subject: Resultats
Date: Tue, 14 Jan 2025 10:00:00 +0000
Message-ID: <m2@bio.mssante.fr>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="==b1=="

This is a multi-part message in MIME format.
--==b1==
Content-Type: text/plain; charset="us-ascii"
Content-Transfer-Encoding: 7bit

Voir les pieces jointes.
--==b1==
Content-Type: application/pdf; name="resultat.pdf"
Content-Transfer-Encoding: base64
Content-Disposition: attachment; filename="resultat.pdf"
Content-ID: <pdf1@bio>
Content-Description: Compte rendu

JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8
PC9Sb290IDEgMCBSPj4KJSVFT0YK
--==b1==
Content-Type: image/png
Content-Transfer-Encoding: base64
Content-Disposition: inline

iVBORw0KGgo=
--==b1==--
"""
)

ALTERNATIVE = crlf(
    """\
From: a@x.fr
To: b@y.fr
Subject: alt
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary=alt

--alt
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

R=E9sum=E9 du s=E9jour
--alt
Content-Type: text/html; charset=utf-8

<html><head><style>p{}</style></head><body><p>R&eacute;sum&eacute; du s&eacute;jour</p></body></html>
--alt--
"""
)

NESTED = crlf(
    """\
From: fwd@x.fr
To: b@y.fr
Subject: Fwd: original
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: text/plain

See below.
--outer
Content-Type: message/rfc822

From: orig@z.fr
To: fwd@x.fr
Subject: original
Date: Wed, 15 Jan 2025 08:00:00 +0100
Message-ID: <orig@z.fr>
Content-Type: multipart/mixed; boundary="inner"

--inner
Content-Type: text/plain; charset=us-ascii

Original text.
--inner
Content-Type: application/octet-stream
Content-Disposition: attachment; filename=data.bin

AAAA
--inner--
--outer--
"""
)

RFC2231 = crlf(
    """\
From: a@x.fr
To: b@y.fr
Subject: fichiers
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary=b

--b
Content-Type: application/pdf;
 name*=utf-8''compte%20rendu%20%C3%A9t%C3%A9.pdf
Content-Disposition: attachment;
 filename*0*=utf-8''compte%20rendu%20;
 filename*1*=%C3%A9t%C3%A9.pdf
Content-Transfer-Encoding: base64

AAEC
--b
Content-Type: text/plain; name="=?utf-8?B?bm90ZSDDqXTDqS50eHQ=?="
Content-Disposition: attachment

x
--b--
"""
)

UTF8_HEADERS = crlf(
    """\
From: Hélène Dupré <hélène@hôpital.fr>
To: "Zoé" <zoe@example.fr>
Subject: Résultat d'analyse été
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Texte accentué.
"""
)

NO_CONTENT_TYPE = crlf(
    """\
From: a@x.fr
To: b@y.fr
Subject: old

Hello
"""
)

DSN = crlf(
    """\
From: MAILER-DAEMON@mx.caducee.test
To: dr@cab.mssante.fr
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="dsn1"

--dsn1
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered.
--dsn1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.caducee.test

Final-Recipient: rfc822; nobody@cab.mssante.fr
Action: failed
Status: 5.1.1
--dsn1
Content-Type: text/rfc822-headers

From: dr@cab.mssante.fr
Subject: test
--dsn1--
"""
)

ALL = {
    "plain": PLAIN,
    "mixed": MIXED,
    "alternative": ALTERNATIVE,
    "nested": NESTED,
    "rfc2231": RFC2231,
    "utf8_headers": UTF8_HEADERS,
    "no_content_type": NO_CONTENT_TYPE,
    "dsn": DSN,
}
