import { unescapeHtml, unescapeHtmlEntitiesStrict } from './html-unescape';

describe("unescapeHtml (Python's html.unescape)", () => {
  it('decodes named references, with or without a semicolon where HTML5 allows it', () => {
    expect(unescapeHtml('&lt;tag&gt; &quot;hi&quot; &copy; &copy &AElig &NewLine;')).toBe('<tag> "hi" © © Æ \n');
    expect(unescapeHtml('&Jscr;ohn &checkmark;')).toBe('𝒥ohn ✓');
  });

  it('takes the longest legacy name as a prefix, and leaves unknown names', () => {
    expect(unescapeHtml('&notit; &ampx &bogus;')).toBe('¬it; &x &bogus;');
  });

  it('decodes numeric references with the HTML5 replacements', () => {
    expect(unescapeHtml('&#39;&#x27;&#X41;')).toBe("''A");
    expect(unescapeHtml('&#0;|&#xD800;|&#x110000;|&#99999999999999999999;')).toBe('\ufffd|\ufffd|\ufffd|\ufffd');
    expect(unescapeHtml('&#128;&#150;&#129;')).toBe('€–\u0081');
    expect(unescapeHtml('a&#11;b&#xFFFE;c&#13;')).toBe('abc\r');
  });

  it('is applied once per call (the tokenizer calls it twice)', () => {
    expect(unescapeHtml('&amp;amp;')).toBe('&amp;');
    expect(unescapeHtml(unescapeHtml('&amp;amp;'))).toBe('&');
    expect(unescapeHtml('no entities')).toBe('no entities');
  });
});

describe('unescapeHtmlEntitiesStrict (ftfy)', () => {
  it('needs the semicolon, accepts capitalised names, keeps references to ";"', () => {
    expect(unescapeHtmlEntitiesStrict('&copy &copy; P&EACUTE;REZ &SZLIG; &#59; &#x3b;')).toBe('&copy © PÉREZ SS &#59; &#x3b;');
    expect(unescapeHtmlEntitiesStrict('&nTILDE; &NTILDE; &Ntilde;')).toBe('&nTILDE; Ñ Ñ');
  });
});
