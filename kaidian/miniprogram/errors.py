"""The mini-program package's refusals, in the platform's one error shape."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from kaidian.platform.errors import AppError


class MiniProgramError(AppError):
    status = 409
    code = "miniprogram_error"
    message = _l("This cannot be done with the mini program now.")


class NoMiniProgram(MiniProgramError):
    code = "miniprogram_not_authorized"
    message = _l("This store has no authorized mini program yet. Authorize one under WeChat first.")


class NoCurrentTemplate(MiniProgramError):
    code = "miniprogram_no_template"
    message = _l("The platform has not marked a current mini-program template yet. Please try again later.")


class SetupIncomplete(MiniProgramError):
    code = "miniprogram_setup_incomplete"
    message = _l("Finish the setup WeChat requires (domains, privacy settings, service category) first.")


class UnderReview(MiniProgramError):
    code = "miniprogram_under_review"
    message = _l("A version is already under review (or this template version was already submitted). "
                 "Withdraw it or wait for the decision.")


class NotNow(MiniProgramError):
    code = "miniprogram_not_now"
    message = _l("This version is not in a state that allows this.")


class NoRollback(MiniProgramError):
    code = "miniprogram_no_rollback"
    message = _l("Only the version online now can be rolled back, one step to the release before it, and not "
                 "while another release or rollback is running.")


class NoContact(MiniProgramError):
    code = "miniprogram_no_contact"
    message = _l("WeChat's privacy settings need a contact: add the store's contact phone or email in the "
                 "store profile first.")
