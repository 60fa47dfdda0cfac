"""impose: a rendered pamphlet of half-size pages (A5 for A4 sheets) becomes a saddle-stitched booklet, two pages
on each side of a landscape sheet, for a print shop or a duplex office printer.

Printed duplex (flip on the short edge), the stack of sheets folded once down the middle and stapled on the fold
reads in page order. The renderer pads the pamphlet to a multiple of four pages itself (blank pages before the back
cover), so that page numbers are those of the folded booklet; `impose` pads with blank page slots only if handed
a count that is not. With `marks`, each sheet is larger than the paper by a bleed and a margin that carry crop
marks at the trimmed corners and fold marks at the spine; TrimBox and BleedBox say where to cut.
"""

from __future__ import annotations

from io import BytesIO

A4_LANDSCAPE = (841.89, 595.28)  # points
MM = 72 / 25.4
BLEED = 3 * MM  # marks start this far outside the trim
MARK_LENGTH = 6 * MM
SLUG = BLEED + MARK_LENGTH + 2 * MM  # the paper around the trimmed sheet that carries the marks


def saddle_stitch_order(pages: int) -> list[tuple[int | None, int | None]]:
    """(left, right) page indices for each sheet side in print order: front of sheet 1, back of sheet 1, ...;
    None where a blank page fills the booklet."""
    total = -(-pages // 4) * 4

    def page(i: int) -> int | None:
        return i if i < pages else None

    order = []
    for sheet in range(total // 4):
        order.append((page(total - 1 - 2 * sheet), page(2 * sheet)))  # front: last outside, first inside
        order.append((page(2 * sheet + 1), page(total - 2 - 2 * sheet)))  # back
    return order


def _marks(width: float, height: float, x0: float, y0: float) -> str:
    """Crop marks at the four corners of the trim box (x0, y0, width, height) and fold marks at its middle, drawn
    in the bleed, outside the trim; RGB black so that the sheet keeps to the PDF/A output intent."""
    x1, y1 = x0 + width, y0 + height
    near, far = BLEED, BLEED + MARK_LENGTH
    lines = []
    for x, y, dx, dy in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
        lines.append((x + dx * near, y, x + dx * far, y))  # horizontal, beside the corner
        lines.append((x, y + dy * near, x, y + dy * far))  # vertical, above or below it
    ops = ["q", "0 0 0 RG", "0.25 w"]
    ops += [f"{a:.3f} {b:.3f} m {c:.3f} {d:.3f} l S" for a, b, c, d in lines]
    spine = x0 + width / 2
    ops += ["[2 1.5] 0 d"]  # dashed: the fold, not a cut
    ops += [f"{spine:.3f} {y0 - far:.3f} m {spine:.3f} {y0 - near:.3f} l S",
            f"{spine:.3f} {y1 + near:.3f} m {spine:.3f} {y1 + far:.3f} l S", "Q"]
    return "\n".join(ops)


def impose(pdf: bytes, sheet: tuple[float, float] = A4_LANDSCAPE, marks: bool = False) -> bytes:
    """Two pages of `pdf` side by side on each landscape `sheet` (width, height in points), meeting at its
    middle, in saddle-stitch order. Each page becomes a form XObject, its content stream left as it is.

    The sheets keep the pages' PDF/A output intent and XMP (without a PDF/UA claim: imposed sheets are for
    printing, and their reading order is the fold's, so they are not tagged; the reading copy is)."""
    import pikepdf

    source = pikepdf.open(BytesIO(pdf))
    out = pikepdf.new()
    width, height = sheet
    slug = SLUG if marks else 0.0
    forms: dict[int, object] = {}

    def form(index: int):
        if index not in forms:
            forms[index] = out.copy_foreign(source.pages[index].as_form_xobject())
        return forms[index]

    for left, right in saddle_stitch_order(len(source.pages)):
        media = [0, 0, width + 2 * slug, height + 2 * slug]
        page = pikepdf.Page(out.add_blank_page(page_size=(media[2], media[3])))
        drawing = []
        for index, at_left in ((left, True), (right, False)):
            if index is None:
                continue
            box = source.pages[index].mediabox
            page_width, page_height = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
            x = slug + (width / 2 - page_width if at_left else width / 2)
            y = slug + (height - page_height) / 2
            name = page.add_resource(form(index), pikepdf.Name.XObject, prefix="P")
            drawing.append(f"q 1 0 0 1 {x:.3f} {y:.3f} cm {name} Do Q")
        if marks:
            drawing.append(_marks(width, height, slug, slug))
            page.obj.TrimBox = pikepdf.Array([slug, slug, slug + width, slug + height])
            page.obj.BleedBox = pikepdf.Array([slug - BLEED, slug - BLEED, slug + width + BLEED, slug + height + BLEED])
        page.obj.Contents = out.make_stream("\n".join(drawing).encode("ascii"))

    root = source.Root
    if "/OutputIntents" in root:
        out.Root.OutputIntents = out.copy_foreign(source.make_indirect(root.OutputIntents))
    if "/Lang" in root:
        out.Root.Lang = root.Lang
    if "/Metadata" in root:
        xmp = root.Metadata.read_bytes().decode("utf-8")
        stream = out.make_stream(_without_ua(xmp).encode("utf-8"))
        stream.Type, stream.Subtype = pikepdf.Name.Metadata, pikepdf.Name.XML
        out.Root.Metadata = stream
    info = source.trailer.get("/Info")
    if info is not None:
        out.trailer.Info = out.copy_foreign(info if info.is_indirect else source.make_indirect(info))
    buffer = BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _without_ua(xmp: str) -> str:
    """The XMP packet without the rdf:Descriptions that claim PDF/UA (and declare its schema)."""
    import xml.etree.ElementTree as ET

    from .tagging import PDFA_EXTENSION, PDFUAID, register_namespaces

    register_namespaces()
    start, end = xmp.find("<rdf:RDF"), xmp.find("</rdf:RDF>")
    if start < 0 or end < 0:
        return xmp
    end += len("</rdf:RDF>")
    rdf = ET.fromstring(xmp[start:end])
    kept = False
    for description in list(rdf):
        claims = any(child.tag in (f"{{{PDFUAID}}}part", f"{{{PDFA_EXTENSION}}}schemas") for child in description)
        if claims or f"{{{PDFUAID}}}part" in description.attrib:
            rdf.remove(description)
            kept = True
    if not kept:
        return xmp
    return xmp[:start] + ET.tostring(rdf, encoding="unicode") + xmp[end:]
