"""Clipboard HTML as word processors put it there, for paste tests.

Written for these tests in the shape the programs produce (the text is our own): Word
for Windows puts a whole HTML document on the clipboard, with its namespaces, a style
sheet, conditional comments, ``mso-`` classes and styles, ``<o:p>`` and lists made of
paragraphs with a typed bullet; Google Docs wraps everything in a
``<b id="docs-internal-guid-…">`` that is not bold and marks bold and italic by styles
on spans.
"""

WORD = """<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns:m="http://schemas.microsoft.com/office/2004/12/omml"
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset=utf-8">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<link rel=File-List href="file:///C:/Users/reporter/AppData/Local/Temp/msohtmlclip1/01/clip_filelist.xml">
<!--[if gte mso 9]><xml>
 <o:OfficeDocumentSettings>
  <o:AllowPNG/>
 </o:OfficeDocumentSettings>
</xml><![endif]-->
<style>
<!--
 /* Style Definitions */
 p.MsoNormal, li.MsoNormal, div.MsoNormal
	{mso-style-unhide:no;
	margin-top:0cm;
	margin-bottom:8.0pt;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;
	mso-fareast-language:EN-US;}
p.MsoListParagraphCxSpFirst
	{mso-style-priority:34;
	margin-left:36.0pt;
	mso-add-space:auto;}
-->
</style>
</head>
<body lang=EN-GB style='tab-interval:36.0pt;word-wrap:break-word'>
<!--StartFragment-->
<p class=MsoNormal><span style='font-size:12.0pt;line-height:107%;font-family:"Georgia",serif;
color:#1F3864;mso-themecolor:accent1;mso-themeshade:128'>The dam committee met on
<b>Tuesday</b> and agreed, <i>for the first time</i>, to publish its
<a href="https://example.org/dam-minutes"><span
style='color:#0563C1;mso-themecolor:hyperlink'>minutes</span></a>.<o:p></o:p></span></p>
<p class=MsoNormal><b><span style='mso-bidi-font-weight:normal'>Farmers were
not convinced.</span></b><span style='mso-spacerun:yes'>  </span>They asked for three
things:<o:p></o:p></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if
!supportLists]><span style='font-family:Symbol;mso-fareast-font-family:Symbol;mso-bidi-font-family:
Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>
&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]>a price per cubic metre<o:p></o:p></p>
<p class=MsoListParagraphCxSpMiddle style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if
!supportLists]><span style='font-family:Symbol;mso-fareast-font-family:Symbol;mso-bidi-font-family:
Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>
&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]>a meter on every well<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-18.0pt;mso-list:l0 level1 lfo1'><![if
!supportLists]><span style='font-family:Symbol;mso-fareast-font-family:Symbol;mso-bidi-font-family:
Symbol'><span style='mso-list:Ignore'>·<span style='font:7.0pt "Times New Roman"'>
&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]>a seat on the board<o:p></o:p></p>
<p class=MsoNormal><!--[if gte vml 1]><v:shape id="Picture_x0020_1" o:spid="_x0000_i1025"
 type="#_x0000_t75" style='width:120pt;height:80pt'><v:imagedata
 src="file:///C:/Users/reporter/AppData/Local/Temp/msohtmlclip1/01/clip_image001.png"
 o:title=""/></v:shape><![endif]--><![if !vml]><img width=160 height=107
src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
v:shapes="Picture_x0020_1"><![endif]><span style='font-size:10.0pt'>The minutes run to 40
pages.<o:p></o:p></span></p>
<!--EndFragment-->
</body>
</html>"""

GOOGLE_DOCS = (
    '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-5c1f2e3a-7fff-'
    '04d2-9a8b-1e2f3a4b5c6d"><p dir="ltr" style="line-height:1.38;margin-top:0pt;'
    'margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;'
    "color:#000000;background-color:transparent;font-weight:400;font-style:normal;"
    "font-variant:normal;text-decoration:none;vertical-align:baseline;white-space:pre;"
    'white-space:pre-wrap;">The water board will </span><span style="font-size:11pt;'
    "font-family:Arial,sans-serif;color:#000000;background-color:transparent;"
    'font-weight:700;font-style:normal;vertical-align:baseline;white-space:pre-wrap;">'
    'publish every contract</span><span style="font-size:11pt;font-family:Arial,sans-serif;'
    'color:#000000;font-weight:400;font-style:normal;white-space:pre-wrap;"> from </span>'
    '<span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;'
    'font-weight:400;font-style:italic;white-space:pre-wrap;">next month</span>'
    '<span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;'
    'font-weight:400;white-space:pre-wrap;">, its chair </span><a '
    'href="https://example.org/board-statement" style="text-decoration:none;"><span '
    'style="font-size:11pt;font-family:Arial,sans-serif;color:#1155cc;font-weight:400;'
    'text-decoration:underline;-webkit-text-decoration-skip:none;white-space:pre-wrap;">'
    'said</span></a><span style="font-size:11pt;font-family:Arial,sans-serif;'
    'color:#000000;font-weight:400;white-space:pre-wrap;">.</span></p><br><ul '
    'style="margin-top:0;margin-bottom:0;padding-inline-start:48px;"><li dir="ltr" '
    'style="list-style-type:disc;font-size:11pt;font-family:Arial,sans-serif;'
    'color:#000000;" aria-level="1"><p dir="ltr" style="line-height:1.38;margin-top:0pt;'
    'margin-bottom:0pt;" role="presentation"><span style="font-size:11pt;'
    'font-family:Arial,sans-serif;color:#000000;font-weight:400;white-space:pre-wrap;">'
    'Contracts above one million</span></p></li><li dir="ltr" style="list-style-type:disc;'
    'font-size:11pt;font-family:Arial,sans-serif;color:#000000;" aria-level="1"><p '
    'dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;" '
    'role="presentation"><span style="font-size:11pt;font-family:Arial,sans-serif;'
    'color:#000000;font-weight:400;white-space:pre-wrap;">Every tender, won or lost</span>'
    '</p></li></ul><br><p dir="ltr" style="line-height:1.38;margin-top:0pt;'
    'margin-bottom:0pt;"><span style="font-size:11pt;font-family:Arial,sans-serif;'
    'color:#000000;font-weight:400;white-space:pre-wrap;"><span style="border:none;'
    'display:inline-block;overflow:hidden;width:200px;height:120px;"><img '
    'src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8'
    'z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==" width="200" height="120" style="margin-left:0px;'
    'margin-top:0px;"></span></span></p></b><br class="Apple-interchange-newline">'
)
