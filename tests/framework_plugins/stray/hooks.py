from core import hookimpl


@hookimpl
def myynti_not_a_hook() -> list[str]:
    return []
