"""`python -m bot`: the same command line as `leeratelier`."""

from bot.app.cli import main

main()
