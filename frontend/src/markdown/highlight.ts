import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import csharp from 'highlight.js/lib/languages/csharp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

// The languages people most often ask a chat assistant about; each costs 0.3-3 KB gzipped, the whole set about 30 KB.
const languages = { bash, c, cpp, csharp, css, diff, dockerfile, go, ini, java, javascript, json, markdown, python, rust, shell, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(languages)) {
  hljs.registerLanguage(name, language);
}
hljs.registerAliases(['cs', 'c#', 'dotnet'], { languageName: 'csharp' });
hljs.registerAliases(['sh', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['html', 'svg', 'xaml', 'csproj'], { languageName: 'xml' });
hljs.registerAliases(['toml'], { languageName: 'ini' });

/** Beyond this much code, highlighting on every streamed token would make the page stutter. */
const MaxHighlightLength = 20_000;

/**
 * Highlights code as HTML (hljs escapes the text it wraps). Unknown or missing languages are left plain: guessing
 * with highlightAuto costs a pass per language on every streamed token.
 */
export function highlight(code: string, language: string): string | null {
  if (!language || code.length > MaxHighlightLength || !hljs.getLanguage(language)) {
    return null;
  }
  return hljs.highlight(code, { language, ignoreIllegals: true }).value;
}
