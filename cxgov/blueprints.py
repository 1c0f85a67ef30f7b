"""The list of blueprints, in registration order (the factory's table of contents)."""

from __future__ import annotations

from flask import Blueprint


def BLUEPRINTS() -> list[Blueprint]:  # noqa: N802  (reads like a constant at the call site)
    """Return every blueprint of the app."""
    # Imported when an app is built, not when cxgov is: scripts and workers that need only the
    # models do not load every view and template helper.
    from .actions.routes import bp as actions_bp
    from .admin.routes import bp as admin_bp
    from .api.account import bp as api_tokens_bp
    from .auth.routes import bp as auth_bp
    from .cycles.link_routes import bp as answer_link_bp
    from .cycles.routes import bp as cycles_bp
    from .framework.routes import bp as framework_bp
    from .invitations.routes import bp as invitations_bp
    from .mail.routes import bp as mail_bp
    from .orgs.routes import bp as orgs_bp
    from .orgs.routes import org_bp
    from .ops.routes import org_transfer_bp, transfer_bp
    from .register.blueprint import bp as register_bp
    from .register import routes as register_routes  # noqa: F401  (attaches the register pages to register_bp)
    from .register.transfer import routes as transfer_routes  # noqa: F401  (and the spreadsheet pages)
    from .register import inline  # noqa: F401  (inline owner assignment on register_bp)
    from .onboarding.routes import bp as onboarding_bp
    from .portfolio.routes import bp as portfolio_bp
    from .reports.routes import bp as reports_bp

    return [
        auth_bp,
        orgs_bp,
        org_bp,
        invitations_bp,
        admin_bp,
        register_bp,
        framework_bp,
        actions_bp,
        cycles_bp,
        transfer_bp,
        org_transfer_bp,
        reports_bp,
        portfolio_bp,
        onboarding_bp,
        answer_link_bp,
        mail_bp,
        api_tokens_bp,
    ]
