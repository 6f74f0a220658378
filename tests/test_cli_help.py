"""The command line explains itself: a description per subcommand, a help text per option saying its default."""

from __future__ import annotations

import argparse

import pytest

from autograder import __version__, cli


def subcommands(parser: argparse.ArgumentParser, prefix: tuple = ()) -> dict[tuple, argparse.ArgumentParser]:
    """Every subcommand's parser (``course init`` included), by its words."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found[(*prefix, name)] = sub
                found.update(subcommands(sub, (*prefix, name)))
    return found


COMMANDS = subcommands(cli.parser())


def test_every_command_is_listed():
    assert {" ".join(words) for words in COMMANDS} >= {
        "build",
        "course",
        "course init",
        "check",
        "grade",
        "mistakes",
        "export",
    }


@pytest.mark.parametrize("words", sorted(COMMANDS), ids=" ".join)
def test_each_subcommand_s_help_has_a_description_and_every_option_a_help_with_its_default(words, capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main([*words, "--help"])
    assert exited.value.code == 0
    shown = capsys.readouterr().out
    parser = COMMANDS[words]
    assert parser.description and parser.description.split(".")[0] in " ".join(shown.split())
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        assert action.help, f"{' '.join(words)} {action.dest}: no help text"
        if action.option_strings and not action.required:  # an option: say what it is when not given
            assert "default" in action.help, f"{' '.join(words)} {action.option_strings[0]}: the default is not said"
            if action.default not in (None, False):
                said = f"{action.default:g}" if isinstance(action.default, float) else str(action.default)
                assert f"default {said}" in action.help, (
                    f"{' '.join(words)} {action.option_strings[0]}: does not say its default, {said}"
                )


def test_export_help_says_it_runs_from_a_checkout(capsys):
    with pytest.raises(SystemExit):
        cli.main(["export", "--help"])
    assert "Runs from a checkout" in " ".join(capsys.readouterr().out.split())


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0 and capsys.readouterr().out.strip() == f"attention-kit {__version__}"
