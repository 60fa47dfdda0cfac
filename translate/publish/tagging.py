"""What WeasyPrint's PDF tags leave out for PDF/UA-1, added around and after its writer: /Lang on structure
elements from the HTML `lang` attributes (rule 7.2), Scope on table headers (7.5), running heads and page numbers
as artifacts rather than orphaned tagged content (7.1, 7.8), alternate text on links (7.18.5); and the XMP of a
file that claims both PDF/A-3u and PDF/UA-1.

WeasyPrint maps `ul/ol/li` (and `li::marker`) to L, LI, Lbl and LBody itself; nothing here depends on how the
HTML's lists were made.
"""

from __future__ import annotations

import re
import threading
import xml.etree.ElementTree as ET
import zlib
from contextlib import contextmanager
from io import BytesIO

_PATCH_LOCK = threading.Lock()

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
PDFA_EXTENSION = "http://www.aiim.org/pdfa/ns/extension/"
PDFA_SCHEMA = "http://www.aiim.org/pdfa/ns/schema#"
PDFA_PROPERTY = "http://www.aiim.org/pdfa/ns/property#"


class StructureNotes:
    """The language and header scope of each structure element, noted while WeasyPrint builds its tag tree, for
    `apply` to write once the tree is whole (an element's language is only set where it differs from its parent's)."""

    def __init__(self) -> None:
        self.langs: dict[int, tuple[object, str]] = {}
        self.scopes: dict[int, tuple[object, str]] = {}
        self.parents: dict[int, object] = {}  # box -> parent box (WeasyPrint's boxes keep no parent link)

    def note(self, box, element) -> None:
        if id(element) in self.langs:
            return  # made by a deeper call, for a child box
        style = getattr(box, "style", None)
        self.langs[id(element)] = (element, str((style["lang"] if style is not None else None) or ""))
        if getattr(box, "element_tag", None) == "th":
            self.scopes[id(element)] = (element, self._scope(box))

    def _scope(self, box) -> str:
        given = (box.element.get("scope") or "").lower()
        if given in ("row", "rowgroup", "col", "colgroup"):
            return "Row" if given.startswith("row") else "Column"
        ancestors, up = [], self.parents.get(id(box))
        while up is not None:
            ancestors.append(up)
            up = self.parents.get(id(up))
        if any(getattr(a, "element_tag", None) == "thead" for a in ancestors):
            return "Column"
        # a header cell that starts a body row heads that row
        return "Row" if ancestors and ancestors[0].children and ancestors[0].children[0] is box else "Column"

    def apply(self, pdf) -> None:
        """Write /Lang and /Scope into WeasyPrint's pydyf objects (a `finisher`: after the tree, before writing)."""
        import pydyf

        for element, scope in self.scopes.values():
            attributes = element.get("A")
            if isinstance(attributes, pydyf.Dictionary):
                attributes["Scope"] = f"/{scope}"
        root_ref = pdf.catalog.get("StructTreeRoot")
        if root_ref is None:
            return
        objects = {obj.number: obj for obj in pdf.objects if getattr(obj, "number", None) is not None}

        def deref(ref):
            if isinstance(ref, (bytes, str)):
                text = ref.decode() if isinstance(ref, bytes) else ref
                if text.endswith(" R"):
                    return objects.get(int(text.split()[0]))
            return ref if isinstance(ref, pydyf.Dictionary) else None

        document_lang = _lang_of(pdf.catalog.get("Lang"))
        stack = [(deref(k), document_lang) for k in deref(root_ref).get("K", [])]
        while stack:
            element, inherited = stack.pop()
            if not isinstance(element, pydyf.Dictionary) or element.get("Type") != "/StructElem":
                continue
            lang = self.langs.get(id(element), (None, ""))[1] or inherited
            if lang != inherited:
                element["Lang"] = pydyf.String(lang)
            stack.extend((deref(k), lang) for k in element.get("K", []) if not isinstance(k, int))


def _lang_of(value) -> str:
    if value is None:
        return ""
    text = getattr(value, "string", value)
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    return str(text).strip("()")


@contextmanager
def noting_structure(notes: StructureNotes):
    """While WeasyPrint writes tags, note each structure element's box: its private tree builder is wrapped, as
    it has no hook and the box (with its computed `lang`) exists only there. The tests of each PDF/UA rule catch a
    WeasyPrint that changed it."""
    from weasyprint.pdf import tags

    original = tags._build_box_tree

    def build(box, parent, *args, **kwargs):
        for child in getattr(box, "children", None) or ():
            notes.parents[id(child)] = box
        for element in original(box, parent, *args, **kwargs):
            notes.note(box, element)
            yield element

    with _PATCH_LOCK:
        tags._build_box_tree = build  # the builder recurses through this module name, so every level is seen
        try:
            yield
        finally:
            tags._build_box_tree = original


# --- after writing: artifacts, link text, PDF/A + PDF/UA metadata ----------------------------------------------


def finish(pdf: bytes, claim_ua_in_pdfa: bool) -> bytes:
    """Page furniture (marked content no structure element reaches) becomes /Artifact; links get /Contents; the
    combined variant's XMP gains pdfuaid:part with the PDF/A extension schema that declares it."""
    import pikepdf

    with pikepdf.open(BytesIO(pdf)) as doc:
        root = doc.Root
        if "/StructTreeRoot" in root:
            _furniture_as_artifacts(doc)
            _link_contents(doc)
        if claim_ua_in_pdfa:
            _claim_pdfua(doc)
        out = BytesIO()
        doc.save(out, deterministic_id=False)
    return out.getvalue()


def _reachable_mcids(doc) -> dict[int, set[int]]:
    """MCIDs each page's content reaches from the structure tree root, by page object number."""
    import pikepdf

    found: dict[int, set[int]] = {}
    seen: set[int] = set()
    stack = [(doc.Root.StructTreeRoot, None)]
    while stack:
        node, page = stack.pop()
        if isinstance(node, int):
            if page is not None:
                found.setdefault(page, set()).add(int(node))
            continue
        if isinstance(node, pikepdf.Array):
            stack.extend((k, page) for k in node)
            continue
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if "/Pg" in node:
            page = node.Pg.objgen[0]
        if node.get("/Type") == "/MCR":
            found.setdefault(node.Pg.objgen[0] if "/Pg" in node else page, set()).add(int(node.MCID))
            continue
        if node.get("/Type") == "/OBJR":
            continue
        kids = node.get("/K")
        if kids is not None:
            stack.append((kids, page))
    return found


_MARKED = re.compile(rb"/[A-Za-z0-9]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _furniture_as_artifacts(doc) -> None:
    """Marked content that no structure element reaches (WeasyPrint builds margin boxes' tags but links them
    nowhere) becomes a pagination artifact. The content stream is edited in place, byte for byte elsewhere."""
    import pikepdf

    reachable = _reachable_mcids(doc)
    dropped: dict[int, set[int]] = {}
    for page in doc.pages:
        keep = reachable.get(page.obj.objgen[0], set())
        streams = page.obj.Contents if isinstance(page.obj.Contents, pikepdf.Array) else [page.obj.Contents]
        for stream in streams:
            data = stream.read_bytes()

            def swap(m: re.Match[bytes]) -> bytes:
                if int(m.group(1)) in keep:
                    return m.group(0)
                dropped.setdefault(int(page.obj.get("/StructParents", -1)), set()).add(int(m.group(1)))
                return b"/Artifact <</Type /Pagination>> BDC"

            edited = _MARKED.sub(swap, data)
            if edited != data:
                stream.write(zlib.compress(edited), filter=pikepdf.Name.FlateDecode)
    if not dropped:
        return
    nums = doc.Root.StructTreeRoot.ParentTree.get("/Nums")
    if nums is None:
        return
    for i in range(0, len(nums) - 1, 2):
        key = int(nums[i])
        if key in dropped and isinstance(nums[i + 1], pikepdf.Array):
            for mcid in dropped[key]:
                if mcid < len(nums[i + 1]):
                    nums[i + 1][mcid] = None


def _link_contents(doc) -> None:
    import pikepdf

    for page in doc.pages:
        for annot in page.obj.get("/Annots", []) or []:
            if annot.get("/Subtype") == "/Link" and "/Contents" not in annot:
                action = annot.get("/A")
                uri = str(action.get("/URI", "")) if isinstance(action, pikepdf.Dictionary) else ""
                annot.Contents = pikepdf.String(uri or "link")


def register_namespaces() -> None:
    """XMP's usual prefixes for ElementTree's output (it would write ns0:, ns1: ...)."""
    for prefix, uri in (("rdf", RDF), ("pdfuaid", PDFUAID), ("pdfaExtension", PDFA_EXTENSION),
                        ("pdfaSchema", PDFA_SCHEMA), ("pdfaProperty", PDFA_PROPERTY),
                        ("pdfaid", "http://www.aiim.org/pdfa/ns/id/"), ("dc", "http://purl.org/dc/elements/1.1/"),
                        ("xmp", "http://ns.adobe.com/xap/1.0/"), ("pdf", "http://ns.adobe.com/pdf/1.3/")):
        ET.register_namespace(prefix, uri)


def _claim_pdfua(doc) -> None:
    import pikepdf

    metadata = doc.Root.get("/Metadata")
    if metadata is None:
        return
    raw = metadata.read_bytes().decode("utf-8")
    start, end = raw.index("<rdf:RDF"), raw.index("</rdf:RDF>") + len("</rdf:RDF>")
    register_namespaces()
    rdf = ET.fromstring(raw[start:end])
    about = f"{{{RDF}}}about"
    part = ET.SubElement(rdf, f"{{{RDF}}}Description", {about: ""})
    ET.SubElement(part, f"{{{PDFUAID}}}part").text = "1"
    # PDF/A allows only the XMP schemas it lists, or ones the file declares: pdfuaid is not listed (ISO 19005-3 6.6.2.3)
    extension = ET.SubElement(rdf, f"{{{RDF}}}Description", {about: ""})
    bag = ET.SubElement(ET.SubElement(extension, f"{{{PDFA_EXTENSION}}}schemas"), f"{{{RDF}}}Bag")
    schema = ET.SubElement(bag, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
    ET.SubElement(schema, f"{{{PDFA_SCHEMA}}}schema").text = "PDF/UA Universal Accessibility Schema"
    ET.SubElement(schema, f"{{{PDFA_SCHEMA}}}namespaceURI").text = PDFUAID
    ET.SubElement(schema, f"{{{PDFA_SCHEMA}}}prefix").text = "pdfuaid"
    seq = ET.SubElement(ET.SubElement(schema, f"{{{PDFA_SCHEMA}}}property"), f"{{{RDF}}}Seq")
    prop = ET.SubElement(seq, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
    ET.SubElement(prop, f"{{{PDFA_PROPERTY}}}name").text = "part"
    ET.SubElement(prop, f"{{{PDFA_PROPERTY}}}valueType").text = "Integer"
    ET.SubElement(prop, f"{{{PDFA_PROPERTY}}}category").text = "internal"
    ET.SubElement(prop, f"{{{PDFA_PROPERTY}}}description").text = "Indicates which part of ISO 14289 is followed"
    text = raw[:start] + ET.tostring(rdf, encoding="unicode") + raw[end:]
    stream = doc.make_stream(text.encode("utf-8"))
    stream.Type = pikepdf.Name.Metadata
    stream.Subtype = pikepdf.Name.XML
    doc.Root.Metadata = stream
