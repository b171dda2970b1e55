from core import hookimpl


@hookimpl
def myynti_widgets() -> list[str]:
    return ["gauge"]
