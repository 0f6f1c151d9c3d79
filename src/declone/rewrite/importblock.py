"""New imports in a module's top import block (the docstring, then the import lines).

With an :class:`~declone.rewrite.importorder.ImportOrder`, each import goes where the
repository's isort would put it (:func:`~declone.rewrite.importorder.place_import`) and no
other line moves. Without one, LibCST's ``AddImportsVisitor`` adds them after the block,
extending an existing ``from m import ...`` line.

Pure: LibCST modules in and out.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.helpers import get_full_name_for_node

from declone.rewrite.importorder import (
    ImportOrder,
    MergedImport,
    blank_lines_after_imports,
    place_import,
)

__all__ = ["ImportRequest", "add_imports", "import_block", "import_text"]

#: ``(module as written, name, asname)``: ``("..json", "Encoder", None)``.
ImportRequest = tuple[str, str, str | None]

_Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement
_Body = list[_Statement]


def import_text(request: ImportRequest) -> str:
    module, name, asname = request
    suffix = "" if asname is None else f" as {asname}"
    return f"from {module} import {name}{suffix}"


def add_imports(
    module: cst.Module, requests: Sequence[ImportRequest], order: ImportOrder | None
) -> cst.Module:
    """``module`` with each import of ``requests`` it does not already have."""
    if order is None:
        return _add_with_visitor(module, tuple(dict.fromkeys(requests)))
    module = _without_blank_start(module)
    for request in dict.fromkeys(requests):
        if not _has_import(module.body, request):
            module = _add_in_order(module, request, order)
    return module


# -- in the repository's order -----------------------------------------------------------


def _add_in_order(module: cst.Module, request: ImportRequest, order: ImportOrder) -> cst.Module:
    body: _Body = list(module.body)
    start, end = import_block(body)
    block = body[start:end]
    texts = [_code(module, statement) for statement in block]
    placement = place_import(texts, import_text(request), order)
    if isinstance(placement, MergedImport):
        position = start + placement.statement
        body[position] = _merged(module, body[position], placement, request)
        return module.with_changes(body=body)
    new = _parse_statement(module, placement.text)
    position = start + placement.position
    following = body[position] if position < len(body) else None
    if not block:
        return module.with_changes(body=_first_import(body, start, new, order, module))
    if placement.blank_lines_before is None and following is not None:
        detached, attached = _split_leading(following.leading_lines)
        new = new.with_changes(leading_lines=detached)
        gap = _blank_lines(placement.blank_lines_after or 0)
        body[position] = following.with_changes(leading_lines=[*gap, *attached])
    else:
        new = new.with_changes(leading_lines=_blank_lines(placement.blank_lines_before or 0))
    body.insert(position, new)
    return module.with_changes(body=body)


def _without_blank_start(module: cst.Module) -> cst.Module:
    """The parser gives the module header every line above the first statement; blank lines
    above the first statement come from removing the statements before it, and go."""
    if not module.body:
        return module
    first = module.body[0]
    leading = list(first.leading_lines)
    blanks = 0
    while blanks < len(leading) and leading[blanks].comment is None:
        blanks += 1
    if not blanks:
        return module
    return module.with_changes(
        body=[first.with_changes(leading_lines=leading[blanks:]), *module.body[1:]]
    )


def _first_import(
    body: _Body, start: int, new: cst.SimpleStatementLine, order: ImportOrder, module: cst.Module
) -> _Body:
    """The module's only import: after the docstring, with isort's gap before the code."""
    if start == len(body):
        leading = _blank_lines(1) if start else []
        return [*body, new.with_changes(leading_lines=leading)]
    following = body[start]
    leading = list(following.leading_lines)
    blanks = 0
    while blanks < len(leading) and leading[blanks].comment is None:
        blanks += 1
    code = _code(module, following.with_changes(leading_lines=[])).lstrip()
    gap = _blank_lines(blank_lines_after_imports(order, code))
    body = list(body)
    body[start] = following.with_changes(leading_lines=[*gap, *leading[blanks:]])
    # Below a docstring the import keeps the docstring's gap, at most one line, as black and
    # ruff's formatter leave it (two are left where a removed class stood below the
    # docstring); at the top it has none.
    body.insert(start, new.with_changes(leading_lines=leading[: min(blanks, 1)] if start else []))
    return body


def _merged(
    module: cst.Module, statement: _Statement, placement: MergedImport, request: ImportRequest
) -> _Statement:
    if placement.rewritten is not None:
        rewritten = _parse_statement(module, placement.rewritten)
        return rewritten.with_changes(leading_lines=statement.leading_lines)
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    assert isinstance(node, cst.ImportFrom)
    assert not isinstance(node.names, cst.ImportStar)
    _, name, asname = request
    alias = cst.ImportAlias(
        name=cst.Name(name),
        asname=None if asname is None else cst.AsName(name=cst.Name(asname)),
    )
    names = _with_alias(node, alias, placement.after)
    return statement.with_changes(body=[node.with_changes(names=names)])


def _with_alias(
    node: cst.ImportFrom, alias: cst.ImportAlias, after: tuple[str, str | None] | None
) -> list[cst.ImportAlias]:
    """The statement's names with ``alias`` after ``after``; commas, line breaks and
    comments stay with the names they follow."""
    assert not isinstance(node.names, cst.ImportStar)
    aliases = list(node.names)
    index = 0
    if after is not None:
        index = next(
            (
                i + 1
                for i, existing in enumerate(aliases)
                if (get_full_name_for_node(existing.name), existing.evaluated_alias) == after
            ),
            len(aliases),
        )
    middle = _middle_comma(node, aliases, index)
    if index < len(aliases):
        aliases.insert(index, alias.with_changes(comma=middle))
        return aliases
    # After the last name: the new one ends the list as the last name did.
    last = aliases[-1]
    aliases[-1] = last.with_changes(comma=middle)
    aliases.append(alias.with_changes(comma=last.comma))
    return aliases


def _middle_comma(node: cst.ImportFrom, aliases: list[cst.ImportAlias], index: int) -> cst.Comma:
    """A comma as the statement writes it between two names, without a comment."""
    for candidate in (index - 1, 0):
        if 0 <= candidate < len(aliases) - 1 and isinstance(aliases[candidate].comma, cst.Comma):
            comma = aliases[candidate].comma
            assert isinstance(comma, cst.Comma)
            after = comma.whitespace_after
            if isinstance(after, cst.ParenthesizedWhitespace):
                after = after.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
            return comma.with_changes(whitespace_after=after)
    opening = node.lpar.whitespace_after if node.lpar is not None else None
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return cst.Comma(
            whitespace_after=cst.ParenthesizedWhitespace(
                indent=opening.indent, last_line=opening.last_line
            )
        )
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _has_import(body: Sequence[cst.BaseStatement], request: ImportRequest) -> bool:
    """Whether a top-level ``from`` import already binds the request."""
    module_name, name, asname = request
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            dotted = get_full_name_for_node(small.module) if small.module is not None else None
            if "." * len(small.relative) + (dotted or "") != module_name:
                continue
            if any(
                get_full_name_for_node(alias.name) == name and alias.evaluated_alias == asname
                for alias in small.names
            ):
                return True
    return False


def _code(module: cst.Module, statement: _Statement) -> str:
    """The statement's code without the lines above it, with ``\\n`` line ends."""
    code = module.code_for_node(statement.with_changes(leading_lines=[]))
    return code.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")


def _parse_statement(module: cst.Module, text: str) -> cst.SimpleStatementLine:
    newline = module.default_newline
    statement = cst.parse_statement(
        text.replace("\n", newline) + newline, config=module.config_for_parsing
    )
    assert isinstance(statement, cst.SimpleStatementLine)
    return statement


def _split_leading(
    lines: Sequence[cst.EmptyLine],
) -> tuple[list[cst.EmptyLine], list[cst.EmptyLine]]:
    """Lines above a statement: those up to the last blank one (detached), then the comment
    lines directly above it (attached to it)."""
    last_blank = max((i for i, line in enumerate(lines) if line.comment is None), default=-1)
    return list(lines[: last_blank + 1]), list(lines[last_blank + 1 :])


def _blank_lines(count: int) -> list[cst.EmptyLine]:
    return [cst.EmptyLine() for _ in range(count)]


# -- LibCST's AddImportsVisitor ----------------------------------------------------------


def _add_with_visitor(module: cst.Module, requests: tuple[ImportRequest, ...]) -> cst.Module:
    """Add the imports with AddImportsVisitor, run on the module's head only (the
    docstring and the top import block, where it reads and writes)."""
    body = list(module.body)
    head_length = _import_lines_end(body, _after_docstring(body))
    head: _Body = body[:head_length]
    rest = body[head_length:]
    if rest:
        # A cheap stand-in for the first other statement: the visitor only adjusts its
        # leading blank lines.
        head.append(cst.SimpleStatementLine([cst.Pass()], leading_lines=rest[0].leading_lines))
    config = module.config_for_parsing
    if not head:
        # Nothing left in the module: the visitor has next to nothing to read.
        context = CodemodContext()
        for module_name, obj, asname in requests:
            _request_import(context, module_name, obj, asname)
        return AddImportsVisitor(context).transform_module(module)
    head_code = module.with_changes(body=head, footer=[]).code
    layout = (config.encoding, config.default_indent, config.default_newline)
    new_head_code = _head_with_imports(head_code, requests, layout, len(module.header))
    if new_head_code == head_code:
        return module
    new_head = list(_parse_head(new_head_code, config, len(module.header)).body)
    if rest:
        stand_in = new_head.pop()
        rest[0] = rest[0].with_changes(leading_lines=stand_in.leading_lines)
    return module.with_changes(body=[*new_head, *rest])


def _request_import(context: CodemodContext, module: str, obj: str, asname: str | None) -> None:
    relative = len(module) - len(module.lstrip("."))
    AddImportsVisitor.add_needed_import(context, module[relative:], obj, asname, relative)


@functools.lru_cache(maxsize=512)
def _head_with_imports(
    head_code: str,
    requests: tuple[ImportRequest, ...],
    layout: tuple[str, str, str],
    header_length: int,
) -> str:
    """A pure function of its arguments, so cached: building LibCST's matcher-based import
    visitors costs more than parsing a whole file, and the import blocks of a test suite
    repeat from file to file."""
    encoding, indent, newline = layout
    config = cst.PartialParserConfig(
        encoding=encoding, default_indent=indent, default_newline=newline
    )
    context = CodemodContext()
    for module_name, obj, asname in requests:
        _request_import(context, module_name, obj, asname)
    head = _parse_head(head_code, config, header_length)
    return AddImportsVisitor(context).transform_module(head).code


def _parse_head(code: str, config: cst.PartialParserConfig, header_length: int) -> cst.Module:
    """Parse a head back into the shape it had in the whole module: the parser gives the
    module header every blank or comment line above the first statement, but lines the
    original header did not have belong to that statement."""
    module = cst.parse_module(code, config=config)
    extra = module.header[header_length:]
    if not extra or not module.body:
        return module
    first = module.body[0]
    return module.with_changes(
        header=module.header[:header_length],
        body=[first.with_changes(leading_lines=[*extra, *first.leading_lines]), *module.body[1:]],
    )


def import_block(body: Sequence[cst.BaseStatement]) -> tuple[int, int]:
    """Where new imports go: ``(start, end)`` of the import lines after the docstring; or,
    when those are only ``__future__`` imports (or none), of the first import lines below
    the constants that follow them, where the module's author put its imports (an Ansible
    module's ``__metaclass__ = type`` and ``DOCUMENTATION = r'''...'''`` come first)."""
    start = _after_docstring(body)
    end = _import_lines_end(body, start)
    if any(not _is_future_import(statement) for statement in body[start:end]):
        return start, end
    later = end
    while later < len(body) and _is_header_constant(body[later]):
        later += 1
    if later == end or later == len(body) or not _is_import_line(body[later]):
        return start, end
    return later, _import_lines_end(body, later)


def _after_docstring(body: Sequence[cst.BaseStatement]) -> int:
    return 1 if body and _is_docstring_or_strict(body[0]) else 0


def _import_lines_end(body: Sequence[cst.BaseStatement], start: int) -> int:
    position = start
    while position < len(body) and _is_import_line(body[position]):
        position += 1
    return position


def _is_future_import(statement: cst.BaseStatement) -> bool:
    """``from __future__ import ...``, alone on its line (``import_block``'s lines are)."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    first = statement.body[0]
    return (
        isinstance(first, cst.ImportFrom)
        and isinstance(first.module, cst.Name)
        and first.module.value == "__future__"
    )


def _is_header_constant(statement: cst.BaseStatement) -> bool:
    """``NAME = <a literal>``: a module's metadata or documentation (``__metaclass__ = type``,
    ``ANSIBLE_METADATA = {...}``, ``DOCUMENTATION = r'''...'''``, ``__all__ = [...]``), which
    some conventions put above the imports."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    return (
        isinstance(small, cst.Assign)
        and all(isinstance(target.target, cst.Name) for target in small.targets)
        and _is_literal(small.value)
    )


def _is_literal(node: cst.BaseExpression) -> bool:
    """A string, a number, a name (``type``, ``True``) or a display of those."""
    if isinstance(node, _LITERAL_ATOMS):
        return True
    if isinstance(node, cst.Dict):
        return all(
            isinstance(element, cst.DictElement)
            and _is_literal(element.key)
            and _is_literal(element.value)
            for element in node.elements
        )
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return all(
            isinstance(element, cst.Element) and _is_literal(element.value)
            for element in node.elements
        )
    return False


_LITERAL_ATOMS = (
    cst.SimpleString,
    cst.ConcatenatedString,
    cst.Integer,
    cst.Float,
    cst.Imaginary,
    cst.Name,
)


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Import | cst.ImportFrom)
    )


def _is_docstring_or_strict(statement: cst.BaseStatement) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or not statement.body:
        return False
    first = statement.body[0]
    if isinstance(first, cst.Expr):
        return isinstance(first.value, cst.SimpleString)
    if isinstance(first, cst.Assign):
        target = first.targets[0].target
        return isinstance(target, cst.Name) and target.value == "__strict__"
    return False
