from clipshop.core.errors import Conflict, DomainError, InvalidInput, Unauthenticated


class EmailTaken(Conflict):
    code = "email_taken"


class InvalidToken(Unauthenticated):
    code = "invalid_token"


class BuyerNeedsBirthDate(InvalidInput):
    code = "date_of_birth_required"


class SigninFailed(Unauthenticated):
    code = "signin_failed"
    title = "Sign-in failed"


class TooManySignins(DomainError):
    status = 429
    code = "too_many_signins"
    title = "Too many sign-in attempts"
