"""icml2018-bot: answers questions about two Korean ML articles by quoting them."""
