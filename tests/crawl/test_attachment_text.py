"""Attachment text (spiders/attachments.py): a .docx is read from its main document part alone, and gives
the text python-docx's ``docx.Document()`` gives, on documents of several makes (python-docx's template,
a package whose main part has another name, hyperlinks, merged cells, pictures, headers)."""
from __future__ import annotations

import io
import re
import zipfile

import pytest

from spiders.attachments import attachment_text


def _word_text(data: bytes) -> str:
    """The text as it was taken before: ``docx.Document()`` over the whole package."""
    import docx

    d = docx.Document(io.BytesIO(data))
    out = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            out.append("\t".join(c.text for c in row.cells))
    return "\n".join(out)


def _png() -> bytes:
    from PIL import Image

    b = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(b, "PNG")
    return b.getvalue()


def _rich_docx() -> bytes:
    """Paragraphs with runs and a hyperlink, a table with merged cells, a picture, a header and a footer."""
    import docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "页眉：兖州区教育和体育局"
    d.sections[0].footer.paragraphs[0].text = "第 1 页"
    d.add_heading("2020年部门预算公开说明", level=1)
    p = d.add_paragraph("根据《预算法》")
    p.add_run("第十四条").bold = True
    p.add_run("，现将预算公开如下，详见")
    rid = p.part.relate_to("http://www.example.org/yusuan", RT.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "预算表链接"
    run.append(text)
    link.append(run)
    p._p.append(link)
    p.add_run("。")
    d.add_picture(io.BytesIO(_png()))
    table = d.add_table(rows=3, cols=3)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"单元{r}{c}"
    table.cell(0, 0).merge(table.cell(0, 1))        # a horizontal span
    table.cell(1, 2).merge(table.cell(2, 2))        # a vertical span
    table.cell(2, 0).add_paragraph("第二段")
    d.add_paragraph("　全角空格　与\t制表符")
    b = io.BytesIO()
    d.save(b)
    return b.getvalue()


def _rezip(data: bytes, change) -> bytes:
    """A copy of the package with ``change(name, bytes) -> (name, bytes) | None`` applied to each part."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            changed = change(info.filename, src.read(info.filename))
            if changed is not None:
                dst.writestr(changed[0], changed[1])
    return out.getvalue()


def _main_part_renamed(data: bytes) -> bytes:
    """The main part at word/body.xml (its name comes from _rels/.rels, as in files some tools write)."""
    def change(name, blob):
        if name == "word/document.xml":
            return "word/body.xml", blob
        if name == "word/_rels/document.xml.rels":
            return "word/_rels/body.xml.rels", blob
        if name in ("[Content_Types].xml", "_rels/.rels"):
            return name, blob.replace(b"/word/document.xml", b"/word/body.xml").replace(
                b"word/document.xml", b"word/body.xml")
        return name, blob
    return _rezip(data, change)


@pytest.mark.parametrize("make", [_rich_docx, lambda: _main_part_renamed(_rich_docx())],
                         ids=["rich", "main-part-renamed"])
def test_a_docx_gives_the_text_python_docx_gives_for_the_whole_package(make):
    data = make()
    text, error = attachment_text(data, "docx")
    assert error is None
    want = _word_text(data)
    # merged cells repeat their (joined) text in every grid column and row they span
    assert "单元00\n单元01\t单元00\n单元01\t单元02\n单元10\t单元11\t单元12\n单元22\n" in want
    assert text == re.sub(r"\n\s*\n+", "\n", re.sub(r"[ \t\u3000]+", " ", want)).strip()
    assert "根据《预算法》第十四条，现将预算公开如下，详见预算表链接。" in text
    assert "单元00\n单元01 单元00\n单元01 单元02\n单元10 单元11 单元12\n单元22\n单元20\n第二段 单元21 单元12\n单元22" in text
    assert "全角空格 与 制表符" in text
    assert "页眉" not in text and "第 1 页" not in text   # headers and footers were never read


def test_a_real_word_file_gives_the_text_python_docx_gives():
    """A plan as its organ published it (池州市信访局, written by Word, in tests/fixtures/rules/realplans)."""
    from pathlib import Path

    data = (Path(__file__).resolve().parents[1] / "fixtures" / "rules" / "realplans" / "chizhou_xfj.docx").read_bytes()
    text, error = attachment_text(data, "docx")
    assert error is None
    assert text == re.sub(r"\n\s*\n+", "\n", re.sub(r"[ \t\u3000]+", " ", _word_text(data))).strip()
    assert text.startswith("池州市信访局政务公开重点任务清单\n工作任务 具体要求 具体要求 责任科室 时限要求\n")
    assert text.endswith("做好指导监督 8 积极参加政务公开工作培训和研讨交流,不断提升业务能力。 办公室 持续推进")


def test_a_docx_with_a_missing_picture_is_read_where_python_docx_refused_it():
    data = _rezip(_rich_docx(), lambda name, blob: None if name.startswith("word/media/") else (name, blob))
    with pytest.raises(KeyError):
        _word_text(data)
    text, error = attachment_text(data, "docx")
    assert error is None and text.startswith("2020年部门预算公开说明\n根据《预算法》第十四条")


def test_a_package_that_is_not_a_word_document_is_refused_as_before():
    def macro(name, blob):
        if name == "[Content_Types].xml":
            return name, blob.replace(b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                                      b"application/vnd.ms-word.document.macroEnabled.main+xml")
        return name, blob
    macro_enabled = _rezip(_rich_docx(), macro)
    with pytest.raises(ValueError, match="is not a Word file, content type is 'application/vnd.ms-word.document.macro"):
        _word_text(macro_enabled)
    text, error = attachment_text(macro_enabled, "docx")
    assert text is None
    assert error.startswith("docx text extraction failed: ValueError: file '<_io.BytesIO object at ")
    assert error.endswith("is not a Word file, content type is "
                          "'application/vnd.ms-word.document.macroEnabled.main+xml'")

    no_main = _rezip(_rich_docx(), lambda name, blob: None if name == "_rels/.rels" else (name, blob))
    with pytest.raises(KeyError, match="no relationship of type"):
        _word_text(no_main)
    assert attachment_text(no_main, "docx") == (None, "docx text extraction failed: KeyError: \"no relationship of "
                                                      "type 'http://schemas.openxmlformats.org/officeDocument/2006/"
                                                      "relationships/officeDocument' in collection\"")
    assert attachment_text(b"<html>404</html>", "docx") == (
        None, "docx text extraction failed: BadZipFile: File is not a zip file")


def test_reading_a_docx_imports_no_other_parser():
    """The sandbox's child imports a parser when a file of its type comes (a night of docx only never pays
    for pdfplumber or openpyxl)."""
    import subprocess
    import sys
    from pathlib import Path

    script = ("import sys; from spiders.attachments import attachment_text; "
              "print(attachment_text(sys.stdin.buffer.read(), 'docx')[0].splitlines()[0]); "
              "print(sorted(m for m in ('pdfplumber', 'pdfminer', 'openpyxl', 'pkg_resources') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", script], input=_rich_docx(), capture_output=True, check=True,
                         cwd=Path(__file__).resolve().parents[2], timeout=60).stdout.decode().splitlines()
    assert out == ["2020年部门预算公开说明", "[]"]
