"""Outgoing e-mail: a queue in the database, one sender step, SMTP or an outbox folder.

Every message is stored first (``mail_enqueue``, in the request's own transaction) and sent
later by ``mail_send_pending`` (``flask mail send-pending`` from cron, or the thread that
``run.py`` starts). An SMTP outage therefore never loses a message and never blocks a request.
"""
