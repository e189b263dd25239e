"""`therapy-checkin rehearse`: list scripts, practise one in the voice app, or export its audio."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from intents.rehearsal import scripts
from local_voice.errors import VoiceError


@click.command()
@click.argument("script", required=False)
@click.option("--list", "list_only", is_flag=True, help="Print one script id per line.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Render the script to WAV files (one per step, all steps, "
              "and a playlist) in this folder instead of practising now.")  # fmt: skip
@click.option(
    "--rate",
    type=click.IntRange(80, 320),
    default=None,
    help="Speech rate in words per minute (default 150, a moderate pace).",
)
@click.option("--text", "typed", is_flag=True, help="Type instead of speaking.")
@click.option(
    "--wav",
    "wavs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="A recorded turn (repeat the option for several); instead of the microphone.",
)
@click.option("--engine", type=click.Choice(["auto", "vosk", "pocketsphinx"]), default="auto")
@click.option("--locale", type=click.Choice(["en-GB", "en-US"]), default="en-GB")
def rehearse(
    script: str | None, list_only: bool, export_dir: Path | None, rate: int | None,
    typed: bool, wavs: tuple[Path, ...], engine: str, locale: str,
) -> None:  # fmt: skip
    """Practise what to say to your therapist, hands-free."""
    if list_only:
        click.echo("\n".join(scripts()))
        return
    if script not in scripts():
        known = ", ".join(scripts())
        raise click.UsageError(f"Name a script: one of {known} (see rehearse --list).")
    try:
        if export_dir is not None:
            _export(script, export_dir, rate, locale)
            return
        from local_voice.session_setup import ListenOptions, run_listen

        opening = ("RehearseIntent", {"topic": script})
        options = ListenOptions(
            wavs=list(wavs), typed=typed, engine=engine, rate=rate, locale=locale, opening=opening
        )
        sys.exit(1 if run_listen(options) else 0)
    except VoiceError as exc:
        raise click.ClickException(str(exc)) from exc


def _export(script_id: str, folder: Path, rate: int | None, locale: str) -> None:
    from tqdm import tqdm

    from local_voice.rehearsal_export import export
    from local_voice.speech_output import DEFAULT_RATE_WPM, Synthesiser

    script = scripts()[script_id]
    synth = Synthesiser(voice=locale)
    try:
        with tqdm(total=len(script.steps), unit="step", desc=script_id) as bar:
            done = export(script, folder, synth, rate or DEFAULT_RATE_WPM, locale,
                          progress=lambda number: bar.update(1))  # fmt: skip
    finally:
        synth.close()
    click.echo(f"wrote {len(done.steps)} steps, {done.combined.name} ({done.seconds:.0f} s) "
               f"and {done.playlist.name} in {folder}")  # fmt: skip
