"""The cache of dataclasses' generated methods (bot.generated_code): the same classes, compiled once."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

import pytest

from bot import generated_code


def _define() -> tuple[Any, Any]:
    @dataclasses.dataclass(frozen=True)
    class Money:
        amount: int
        currency: str = "EUR"
        tags: tuple[str, ...] = dataclasses.field(default_factory=tuple)

    @dataclasses.dataclass
    class Draft:
        title: str
        lines: list[int] = dataclasses.field(default_factory=list)

    return Money, Draft


def _behaviour(money: Any, draft: Any) -> list[object]:
    price = money(5)
    same, other = money(5, "EUR"), money(6)
    seen: list[object] = [price, repr(price), price == same, price == other, hash(price) == hash(same)]
    with pytest.raises(dataclasses.FrozenInstanceError):
        price.amount = 6
    with pytest.raises(dataclasses.FrozenInstanceError):
        del price.currency
    note = draft("a")
    note.lines.append(1)
    seen += [repr(note), note == draft("a", [1]), draft("b").lines is not draft("b").lines]
    seen += [money.__init__.__annotations__, [f.name for f in dataclasses.fields(money)], money.__match_args__]
    return seen


def test_a_second_run_compiles_nothing_and_its_classes_behave_the_same(tmp_path: Path) -> None:
    cache = tmp_path / "methods.marshal"
    expected = _behaviour(*_define())  # compiled as dataclasses does without the cache
    generated_code.install(cache)
    first = _behaviour(*_define())
    assert generated_code.save() > 0 and cache.is_file()
    generated_code.install(cache)
    second = _behaviour(*_define())
    assert generated_code.save() == 0  # every text was in the file
    assert [repr(item) for item in first] == [repr(item) for item in second] == [repr(item) for item in expected]
    assert first[2:5] == second[2:5] == [True, False, True]
    assert second[-3] == {"amount": "int", "currency": "str", "tags": "tuple[str, ...]", "return": None}


def test_save_stops_caching(tmp_path: Path) -> None:
    generated_code.install(tmp_path / "methods.marshal")
    generated_code.save()
    assert "exec" not in vars(dataclasses) and "compile" not in vars(typing)  # the builtins again
    _define()
    assert generated_code.save() == 0


@pytest.mark.parametrize("content", [b"", b"not marshal", b"\x00" * 64])
def test_an_unreadable_file_means_compiling_as_before(tmp_path: Path, content: bytes) -> None:
    cache = tmp_path / "methods.marshal"
    cache.write_bytes(content)
    generated_code.install(cache)
    assert _behaviour(*_define())[2:5] == [True, False, True]
    assert generated_code.save() > 0


def test_a_file_of_other_values_is_ignored(tmp_path: Path) -> None:
    import marshal

    cache = tmp_path / "methods.marshal"
    cache.write_bytes(marshal.dumps({"def __create_fn__(): pass": "not code"}))
    generated_code.install(cache)
    assert _behaviour(*_define())[2:5] == [True, False, True]
    generated_code.save()


def test_an_unwritable_place_only_means_no_file(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    generated_code.install(blocked / "methods.marshal")  # its directory cannot be made
    _define()
    assert generated_code.save() > 0
    assert not (tmp_path / "a-file").is_dir()


def test_forward_references_evaluate_the_same_from_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "methods.marshal"
    text = "dict[str, list[Decimal | None]]"
    namespace = {"Decimal": __import__("decimal").Decimal}
    expected = typing.ForwardRef(text)._evaluate(namespace, None, frozenset())  # type: ignore[call-arg]
    for compiled in (1, 0):  # the second run's from the file
        generated_code.install(cache)
        reference = typing.ForwardRef(text)
        with pytest.raises(SyntaxError):
            typing.ForwardRef("not an expression (")
        assert generated_code.save() == compiled
        assert reference.__forward_code__.co_filename == "<string>"
        assert reference._evaluate(namespace, None, frozenset()) == expected  # type: ignore[call-arg]
