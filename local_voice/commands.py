"""Click commands for the offline voice app: `listen`, `transcribe`, `models download`.

The lead registers `listen`, `transcribe` and `models` on the main `therapy-checkin` group;
`python -m local_voice.commands ...` runs them on their own.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from local_voice.errors import AudioError, VoiceError
from local_voice.recogniser import Recogniser

LOCALES = ("en-GB", "en-US")
log = logging.getLogger("local_voice")


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


engine_option = click.option(
    "--engine",
    type=click.Choice(["auto", "vosk", "pocketsphinx"]),
    default="auto",
    show_default=True,
    help="Speech recogniser; auto uses Vosk when a model is installed.",
)
model_option = click.option(
    "--model",
    type=click.Path(path_type=Path),
    default=None,
    help="Vosk model folder (else $VOSK_MODEL_PATH, else the one `models download` installed).",
)


def _recogniser(engine: str, model: Path | None, quiet: bool = False) -> Recogniser:
    from local_voice.engines import make_recogniser

    recogniser = make_recogniser(engine, model)
    if not quiet:
        click.echo(recogniser.describe(), err=True)
    return recogniser


@click.command()
@click.argument("wavs", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--wav",
    "use_wav",
    is_flag=True,
    help="Answer with the WAV files given as arguments: one file per turn.",
)
@click.option("--text", "typed", is_flag=True, help="Type your side of the conversation.")
@engine_option
@model_option
@click.option(
    "--say-to",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write each reply as reply-001.wav, ... in this folder instead of playing it.",
)
@click.option(
    "--rate",
    type=click.IntRange(80, 320),
    default=None,
    help="Speech rate in words per minute (default 150, a moderate pace).",
)
@click.option(
    "--end-silence",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds of silence that end your turn.",
)
@click.option(
    "--max-turn",
    type=float,
    default=30.0,
    show_default=True,
    help="Longest turn in seconds; longer speech or files are cut here.",
)
@click.option(
    "--save-transcripts",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Save what you said and the replies here (off by default).",
)
@click.option("--locale", type=click.Choice(LOCALES), default="en-GB", show_default=True)
@click.option(
    "--letters-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where a letter is saved when you ask (default: your documents folder).",
)
def listen(
    wavs: tuple[Path, ...],
    use_wav: bool,
    typed: bool,
    engine: str,
    model: Path | None,
    say_to: Path | None,
    rate: int | None,
    end_silence: float,
    max_turn: float,
    save_transcripts: Path | None,
    locale: str,
    letters_dir: Path | None,
) -> None:
    """Talk with Therapy Check-In offline: microphone by default, or --wav FILE... / --text."""
    from local_voice.session_setup import ListenOptions, run_listen

    if use_wav and not wavs:
        raise click.UsageError("--wav needs at least one file: listen --wav ONE.wav TWO.wav")
    if wavs and not use_wav:
        raise click.UsageError("To answer with recordings, add --wav: listen --wav FILE...")
    if wavs and typed:
        raise click.UsageError("Use either --wav or --text, not both.")
    options = ListenOptions(
        wavs=list(wavs),
        typed=typed,
        engine=engine,
        model=model,
        say_to=say_to,
        rate=rate,
        end_silence=end_silence,
        max_turn=max_turn,
        save_transcripts=save_transcripts,
        locale=locale,
        letters_dir=letters_dir,
    )
    try:
        failed = run_listen(options)
    except (VoiceError, ValueError) as exc:
        raise _fail(exc) from exc
    if failed:
        sys.exit(1)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file and line.")
@engine_option
@model_option
@click.option(
    "--max-turn",
    type=float,
    default=30.0,
    show_default=True,
    help="Only the first this-many seconds of each file are used.",
)
def transcribe(
    files: tuple[Path, ...], as_json: bool, engine: str, model: Path | None, max_turn: float
) -> None:
    """Transcribe WAV files and say which intent each one asks for."""
    from intents.understanding import understand
    from local_voice.app import hear_file

    try:
        recogniser = _recogniser(engine, model, quiet=as_json)
    except VoiceError as exc:
        raise _fail(exc) from exc
    failed = 0
    for path in files:
        try:
            text = hear_file(recogniser, path, max_turn, free=False) or ""
        except AudioError as exc:
            failed += 1
            _report_error(path, str(exc), recogniser.name, as_json)
            continue
        found = understand(text)
        row = {
            "file": str(path),
            "transcript": text,
            "intent": found.intent,
            "confidence": round(found.confidence, 3),
            "engine": recogniser.name,
        }
        click.echo(
            json.dumps(row)
            if as_json
            else f"{path}: {text or NOTHING} -> {found.intent} ({found.confidence:.2f})"
        )
    if failed:
        sys.exit(1)


NOTHING = "(no speech)"


def _report_error(path: Path, message: str, engine: str, as_json: bool) -> None:
    if as_json:
        click.echo(
            json.dumps(
                {
                    "file": str(path),
                    "transcript": "",
                    "intent": None,
                    "confidence": 0.0,
                    "engine": engine,
                    "error": message,
                }
            )
        )
    click.echo(f"error: {message}", err=True)


@click.group()
def models() -> None:
    """Manage speech models (Vosk)."""


@models.command("download")
@click.option("--list-url", default=None, help="Model list URL (default: the Vosk project's).")
@click.option(
    "--dest",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Install folder (default: your user data folder).",
)
@click.option("--name", default=None, help="A specific model name from the list.")
def download(list_url: str | None, dest: Path | None, name: str | None) -> None:
    """Download the small English Vosk model (about 40 MB), verified by checksum."""
    from local_voice import model_download
    from local_voice.vosk_engine import models_dir

    target = dest or models_dir()
    try:
        entries = model_download.fetch_model_list(list_url or model_download.list_url())
        entry = model_download.choose_model(entries, name)
        with _progress(entry.size, entry.name) as progress:
            path = model_download.install(entry, target, progress)
    except VoiceError as exc:
        raise _fail(exc) from exc
    click.echo(f"Vosk model ready: {path}\n`therapy-checkin listen` will now use it.")


class _Bar:
    def __init__(self, total: int, name: str) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total or None, unit="B", unit_scale=True, desc=name, file=sys.stderr)

    def __call__(self, count: int, total: int) -> None:
        if total and not self.bar.total:
            self.bar.total = total
        self.bar.update(count)


class _progress:
    def __init__(self, total: int, name: str) -> None:
        self.bar = _Bar(total, name)

    def __enter__(self) -> _Bar:
        return self.bar

    def __exit__(self, *exc: object) -> None:
        self.bar.bar.close()


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log intent names and timings.")
def main(verbose: bool) -> None:
    """Offline voice commands (the same as `therapy-checkin listen|transcribe|models`)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s"
    )


main.add_command(listen)
main.add_command(transcribe)
main.add_command(models)


if __name__ == "__main__":
    main()
