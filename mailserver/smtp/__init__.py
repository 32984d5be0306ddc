"""aiosmtpd glue: the MX (other operators, mutual TLS) and submission (our users, STARTTLS or implicit TLS, AUTH).

Owns the SMTP sessions: reading command lines and DATA with our limits, TLS facts, SASL exchanges, and turning
delivery's decisions into replies (all of them named in `replies`). It never decides policy (delivery asks
`policies`), never touches SQL, and keeps aiosmtpd's protocol class for transport and STARTTLS only.
"""
