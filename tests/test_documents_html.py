"""The HTML reader hands over the article, not the page (issue 14 item 1), within bounds (issue 18.5).

Pages are built here the way real sites write them: the article in <div>/<span> blocks (Blogger's
post-body with <br> breaks, CNN's zn-body__paragraph), wrapped in menus, "Popular posts" widgets,
share buttons, cookie banners, newsletter boxes and reader comments."""

from __future__ import annotations

import pytest

from workbench.documents import html, limits, read_bytes
from workbench.errors import BadInput

ARTICLE = [
    "The city council voted on Tuesday to expand the riverside park by twelve hectares, ending a "
    "decade-long dispute over the former rail yards on the eastern bank.",
    "Supporters said the plan would give the densest neighbourhoods their first large green space, "
    "while opponents argued that the land should have been used for affordable housing.",
    "The mayor told reporters that construction would begin next spring and that the first section "
    "of the park, including a playground and a wetland walk, would open within two years.",
    "Residents who packed the public gallery applauded when the final vote was announced, and several "
    "community groups said they would volunteer to plant trees along the new paths.",
    "The council also approved a study on flood protection for the low-lying streets near the park, "
    "which were badly damaged by storms three winters ago.",
]
CHROME = ["Home", "World", "Politics", "Popular posts", "Ten tricks for a cleaner kitchen",
          "Share on Facebook", "Share on X", "We use cookies to improve your experience. Accept all",
          "Subscribe to our newsletter for the latest news", "Great article, thanks!",
          "I disagree with the council on this one."]

NAV = ('<nav class="site-nav"><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>'
       '<li><a href="/politics">Politics</a></li></ul></nav>')
COOKIE = ('<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience. '
          '<button>Accept all</button></p></div>')
SHARE = ('<div class="share-buttons"><a href="#">Share on Facebook</a><a href="#">Share on X</a></div>')
NEWSLETTER = ('<div class="newsletter-box"><h3>Subscribe to our newsletter for the latest news</h3>'
              '<form><input type="email"><button>Sign up</button></form></div>')
COMMENTS = ('<section id="comments" class="comments"><h3>3 comments</h3><ol>'
            '<li class="comment"><p>Great article, thanks!</p></li>'
            '<li class="comment"><p>I disagree with the council on this one.</p></li></ol></section>')
POPULAR = ('<aside class="sidebar"><div class="widget popular-posts"><h2>Popular posts</h2><ul>'
           '<li><a href="/a">Ten tricks for a cleaner kitchen</a></li></ul></div></aside>')


def _page(article_html: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Council expands park | "
            f"Daily Example</title>{head}<script>var tracking = 1;</script></head><body>{COOKIE}"
            f"<header class='site-header'>{NAV}</header><div id='main'>{article_html}{SHARE}{NEWSLETTER}"
            f"{COMMENTS}</div>{POPULAR}<footer><p>© 2024 Daily Example. All rights reserved.</p></footer>"
            f"</body></html>")


def _assert_article_only(texts: list[str]) -> None:
    joined = "\n".join(texts)
    for sentence in ARTICLE:
        assert sentence in joined, sentence[:40]
    for junk in CHROME:
        assert junk not in joined, junk


def test_blogger_post_body_in_divs_with_br_breaks():
    # Blogger writes a post as text in <div class="post-body"> separated by <br><br>, no <p> at all.
    body = "<br><br>".join(ARTICLE)
    page = _page(f"<div class='post hentry'><h3 class='post-title entry-title'>Council expands the riverside park</h3>"
                 f"<div class='post-header'><span class='post-author'>Posted by Jane Roe</span></div>"
                 f"<div class='post-body entry-content' id='post-body-1'>{body}</div></div>")
    texts, kinds = html.paragraphs(page)
    _assert_article_only(texts)
    for sentence in ARTICLE:  # one paragraph each: the <br><br> breaks are paragraph breaks
        assert sentence in texts


def test_cnn_zn_body_paragraphs_in_divs():
    paras = "".join(f"<div class='zn-body__paragraph'>{t}</div>" for t in ARTICLE)
    page = _page(f"<article class='pg-rail-tall'><h1 class='pg-headline'>Council expands the riverside park</h1>"
                 f"<div class='l-container'><section class='zn-body-text'><div class='zn-body__read-all'>"
                 f"{paras}</div></section></div></article>")
    texts, kinds = html.paragraphs(page)
    _assert_article_only(texts)
    assert texts[0] == "Council expands the riverside park" and kinds[0] == "title"


def test_span_content_site():
    paras = "".join(f"<div class='content'><span>{t}</span></div>" for t in ARTICLE)
    texts, _ = html.paragraphs(_page(f"<div class='story'>{paras}</div>"))
    _assert_article_only(texts)


def test_news_article_keeps_headline_byline_time_and_captions():
    page = _page(
        "<article><header><h1>Council expands the riverside park</h1>"
        "<p class='byline'>By Jane Roe</p><time datetime='2024-03-05'>March 5, 2024</time></header>"
        f"<div class='article-body'>{''.join(f'<p>{t}</p>' for t in ARTICLE[:3])}</div>"
        "<figure><img src='park.jpg' alt=''><figcaption>The former rail yards seen from the east bank.</figcaption></figure>"
        f"<div class='article-body'>{''.join(f'<p>{t}</p>' for t in ARTICLE[3:])}</div></article>",
        head="<meta property='og:title' content='Council expands the riverside park'>")
    texts, kinds = html.paragraphs(page)
    _assert_article_only(texts)
    pairs = list(zip(kinds, texts))
    assert pairs[0] == ("title", "Council expands the riverside park")
    assert ("meta", "By Jane Roe") in pairs and ("meta", "March 5, 2024") in pairs
    assert ("caption", "The former rail yards seen from the east bank.") in pairs
    assert [k for k, t in pairs if t in ARTICLE] == ["body"] * len(ARTICLE)


def test_table_is_read_cell_by_cell_in_row_order():
    table = ("<table><tr><th>District</th><th>New park area</th></tr>"
             "<tr><td>East bank</td><td>8 hectares</td></tr><tr><td>Rail yards</td><td>4 hectares</td></tr></table>")
    paras = "".join(f"<p>{t}</p>" for t in ARTICLE)
    texts, kinds = html.paragraphs(_page(f"<article><h1>Council expands the riverside park</h1>{paras}{table}</article>"))
    cells = [t for t, k in zip(texts, kinds) if k == "cell"]
    assert cells == ["District", "New park area", "East bank", "8 hectares", "Rail yards", "4 hectares"]


def test_code_block_is_verbatim():
    code = "def area(w, h):\n    return w * h"
    paras = "".join(f"<p>{t}</p>" for t in ARTICLE)
    texts, kinds = html.paragraphs(_page(f"<article><h1>Park maths</h1>{paras}<pre><code>{code}</code></pre></article>"))
    assert (code, "code") in list(zip(texts, kinds))


def test_page_with_too_many_elements_is_refused_before_parsing(monkeypatch):
    # The issue's page: 9.7 MB with 180,000 paragraphs. Counted on the string, refused unparsed.
    monkeypatch.setattr(limits, "MAX_HTML_ELEMENTS", 1_000)

    def no_parse(_html):
        raise AssertionError("parsed a page over the element limit")

    monkeypatch.setattr(html, "_parse", no_parse)
    page = "<html><body>" + "<p>The leaders met.</p>" * 1_500 + "</body></html>"
    with pytest.raises(BadInput, match=r"big\.html: the page has 1,502 HTML elements; the limit is 1,000"):
        read_bytes(page.encode(), "big.html")


def test_big_page_skips_the_extractor_and_is_walked_once(monkeypatch):
    # Above MAX_EXTRACT_ELEMENTS the extractor (whose cost grows faster than the page) is not run;
    # the linear walk reads every paragraph.
    monkeypatch.setattr(limits, "MAX_EXTRACT_ELEMENTS", 100)
    import trafilatura

    def no_extractor(*a, **k):
        raise AssertionError("the extractor ran on a page over MAX_EXTRACT_ELEMENTS")

    monkeypatch.setattr(trafilatura, "bare_extraction", no_extractor)
    page = "<html><body><article>" + "".join(f"<p>Paragraph {i} of the report.</p>" for i in range(300)) + \
           "</article></body></html>"
    texts, kinds = html.paragraphs(page)
    assert texts == [f"Paragraph {i} of the report." for i in range(300)]


def test_default_bounds_cover_the_issue_page():
    # 180,000 paragraphs are refused by count; a long real article (~10,000 elements) is extracted.
    assert limits.MAX_EXTRACT_ELEMENTS < limits.MAX_HTML_ELEMENTS < 180_000
    assert limits.MAX_EXTRACT_ELEMENTS >= 10_000


def test_small_page_without_article_falls_back_to_the_walk():
    texts, kinds = html.paragraphs("<h1>Hi</h1><div>The leaders met.</div>")
    assert list(zip(kinds, texts)) == [("title", "Hi"), ("body", "The leaders met.")]
