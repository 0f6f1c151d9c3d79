"""The comments a removed copy has and its canonical does not."""

from __future__ import annotations

import textwrap

import pytest

from declone.rewrite import CopyComment, comments_only_in_copy

CANONICAL = textwrap.dedent('''\
    class Recorder:
        """Records what it is sent."""

        # Messages, oldest first.
        def send(self, message):
            self.sent.append(message)  # keep order
    ''')


@pytest.mark.parametrize(
    ("copy", "start", "expected"),
    [
        pytest.param(CANONICAL, 1, (), id="same-comments"),
        pytest.param(
            textwrap.dedent('''\
                class Recorder:
                    """Records what it is sent."""

                    #   Messages,   oldest first.
                    def send(self, message):  # duplicated on purpose
                        self.sent.append(message)  #keep order
                        # TODO: drop once the client retries
                        return "# not a comment"
                '''),
            40,
            (
                CopyComment(44, "# duplicated on purpose"),
                CopyComment(46, "# TODO: drop once the client retries"),
            ),
            id="own-comments-with-file-lines",
        ),
        pytest.param(
            textwrap.dedent("""\
                class Recorder:
                    def send(self, message):  # noqa: ARG002
                        return message  # type: ignore[return-value]
                    #
                    def close(self):  # pragma: no cover
                        pass  # NOSEC
                """),
            1,
            (),
            id="directives-and-empty-comments-ignored",
        ),
        pytest.param(
            "    class Nested:\n        # inside\n        pass\n",
            10,
            (CopyComment(11, "# inside"),),
            id="indented-source",
        ),
        pytest.param(
            "class Broken:\n    # before the error\n    x = (\n",
            1,
            (CopyComment(2, "# before the error"),),
            id="untokenizable-source-keeps-what-came-before",
        ),
    ],
)
def test_comments_only_in_copy(copy: str, start: int, expected: tuple[CopyComment, ...]) -> None:
    assert comments_only_in_copy(copy, CANONICAL, start_line=start) == expected


def test_pairs_unpack_as_line_and_text() -> None:
    copy = "class Recorder:\n    pass  # a copy\n"
    [(line, text)] = comments_only_in_copy(copy, CANONICAL, start_line=7)
    assert (line, text) == (8, "# a copy")
