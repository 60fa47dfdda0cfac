"""translate: offline translation of political writing, glossary-checked, into bilingual pamphlets.

The flow: read_article -> protect_terms -> engine -> restore_terms -> check_terms -> write / to_html -> to_pdf.
"""

__version__ = "0.1.0"
