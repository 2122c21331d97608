"""``python -m loadcell.standin.albert``: run the stand-in without the loadcell CLI."""

from loadcell.standin.albert.cli import albert_command

if __name__ == "__main__":
    albert_command(prog_name="python -m loadcell.standin.albert")
