"""Staff tools: FAQ editing for propaganda staff, answer checks and a review queue for commune officers.

Run the web app with ``python -m staff.app`` (port ``ADMIN_PORT``, 5080);
create accounts with ``python -m staff.accounts add <username>``.
"""
