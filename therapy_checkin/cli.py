"""Command-line entry point; each subcommand imports only the adapter it needs."""

from __future__ import annotations

import importlib
import io
import json
import logging
import sys

import click

from intents.content import DEFAULT_LOCALE, LOCALES
from intents.datafile import DataFileError

locale_option = click.option(
    "--locale", type=click.Choice(LOCALES), default=DEFAULT_LOCALE, show_default=True
)


@click.group()
@click.option("-v", "--verbose", count=True, help="Log more (intent names and timings only).")
def cli(verbose: int) -> None:
    """Therapy Check-In: a voice companion for when therapy isn't going well.

    Information only; not a substitute for professional advice, diagnosis or treatment.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument("text", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print {text, intent, confidence, speech}.")
@locale_option
def ask(text: tuple[str, ...], as_json: bool, locale: str) -> None:
    """Ask a question and print the spoken reply.

    With no TEXT and lines on stdin, each line is the first turn of a fresh conversation and one
    JSON object is printed per line. With no TEXT on a terminal, starts a typed conversation.
    """
    from therapy_checkin.ask import batch, first_turn, json_line, typed_conversation

    if text:
        reply, record = first_turn(" ".join(text), locale)
        click.echo(json_line(record) if as_json else reply.text)
    elif not sys.stdin.isatty():
        if isinstance(sys.stdin, io.TextIOWrapper):
            # A line that is not valid UTF-8 gets U+FFFD and its own record instead of
            # ending the whole batch with a UnicodeDecodeError (strict locales).
            sys.stdin.reconfigure(errors="replace")
        batch(sys.stdin, locale, sys.stdout)
    else:
        typed_conversation(locale)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option("--no-verify", is_flag=True, help="LOCAL TESTING ONLY: skip signature checks.")
def serve(host: str, port: int, workers: int, no_verify: bool) -> None:
    """Serve the Alexa endpoint (POST /alexa, GET /healthz) with gunicorn."""
    from skill.config import ConfigurationError
    from skill.server import serve as run

    if no_verify:
        click.secho(
            "WARNING: request verification is OFF. Anyone can send this server requests that "
            "pretend to be Alexa. Use only for local testing; never expose it to the internet.",
            fg="red",
            bold=True,
            err=True,
        )
    try:
        run(host=host, port=port, workers=workers, verify=not no_verify)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command("interaction-model")
@click.option("--check", is_flag=True, help="Exit 1 if the committed files are stale.")
def interaction_model(check: bool) -> None:
    """Regenerate the Alexa skill package from the intent catalog."""
    from skill.interaction_model import package_files, stale_files, validate, write_package

    for file in package_files():
        if file.path.name != "skill.json":
            problems = validate(json.loads(file.text))
            if problems:
                raise click.ClickException("; ".join(problems[:10]))
    if check:
        stale = stale_files()
        for path in stale:
            click.echo(f"stale: {path}", err=True)
        sys.exit(1 if stale else 0)
    for path in write_package():
        click.echo(f"wrote {path}")


def _register_voice_commands() -> None:
    """The offline voice commands live in local_voice; the Alexa side never imports them."""
    for module, names in (
        ("local_voice.commands", ("listen", "transcribe", "models")),
        ("local_voice.rehearse_command", ("rehearse",)),
    ):
        loaded = importlib.import_module(module)
        for name in names:
            cli.add_command(getattr(loaded, name), name)


def main() -> None:
    try:
        _register_voice_commands()
    except ImportError as exc:
        logging.getLogger(__name__).debug("voice commands unavailable: %s", exc)
    try:
        cli(standalone_mode=True)
    except DataFileError as exc:
        click.secho(f"error in a data file: {exc}", fg="red", err=True)
        sys.exit(2)
