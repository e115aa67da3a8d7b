"""Building the search index from the content: ``python -m knowledge.build.index``.

Above the answering code (tests/unit/test_layers.py): the build reads the corpus and
embeds it with the answering code's embedder and analyser; nothing that answers imports
the build. The index it writes is found through ``knowledge.paths.current_index_dir``.
"""
