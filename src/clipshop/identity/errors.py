from clipshop.core.errors import Conflict, InvalidInput, Unauthenticated


class EmailTaken(Conflict):
    code = "email_taken"


class InvalidToken(Unauthenticated):
    code = "invalid_token"


class BuyerNeedsBirthDate(InvalidInput):
    code = "date_of_birth_required"
