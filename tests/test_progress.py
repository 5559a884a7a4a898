import io

from enrich.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_and_cleared_at_the_end():
    screen = Terminal()
    with Progress("fetching", 2, stream=screen, unit=" days") as bar:
        bar.advance(1, "1.5 MB")
        bar.advance(1, "3.0 MB")
    text = screen.getvalue()
    assert "fetching [###############---------------] 1/2 days, 1.5 MB" in text
    assert "2/2 days, 3.0 MB" in text
    assert text.endswith("\r")


def test_progress_says_nothing_when_not_on_a_terminal():
    log = io.StringIO()
    with Progress("importing", 3, stream=log) as bar:
        bar.advance(3)
    assert log.getvalue() == ""
