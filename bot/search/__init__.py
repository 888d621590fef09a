"""Korean passage search: tokenizer, synonyms and similarity, fields and cache, BM25,
ranking, quote picking and confidence.

Entry points for the rest of the bot: ``bot.search.index`` (``build_index``,
``SearchIndex``), ``bot.search.rank`` (``search``), ``bot.search.quote``
(``pick_quote``), ``bot.search.confidence`` (``judge``) and
``bot.search.tokenizer`` (``get_tokenizer``, ``normalize``). The other modules
are the package's own.
"""
