package devoidc

import (
	"html/template"
	"net/http"
)

type hiddenField struct{ Name, Value string }

// pageData fills the issuer's HTML page: the sign-in form, an error, or the
// signed-out notice.
type pageData struct {
	Title    string // the h1 and the document title
	Message  string // a plain notice under the heading
	Error    string
	Form     bool
	Hidden   []hiddenField
	Username string
}

// page is the issuer's self-contained HTML page (sign-in form, errors,
// signed out); it loads no external assets. Its landmarks (header, main),
// h1, labels and colours (WCAG 2.2 AA contrast in light and dark mode,
// 44 px targets, a visible focus ring) keep it at 0 axe-core violations.
// The form has no action, so it posts back to the URL it was served from.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{.Title}} · faas dev</title>
<style>
:root{--bg:#f4f6fa;--card:#fff;--text:#1c2230;--muted:#4b5363;--border:#6b7385;--accent:#2459d6;--on-accent:#fff;--error:#b42318;--focus:#2459d6;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:16px;line-height:1.45;color:var(--text);background:var(--bg)}
@media (prefers-color-scheme:dark){:root{--bg:#11141b;--card:#1a1f29;--text:#e6e9ef;--muted:#b4bccb;--border:#8a93a6;--accent:#8fb0ff;--on-accent:#0b1220;--error:#ffb4ab;--focus:#8fb0ff}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;flex-direction:column;align-items:center;padding:1rem}
header{width:100%;max-width:24rem;margin:2rem 0 .75rem;color:var(--muted);font-size:.9rem;font-weight:600}
main{width:100%;max-width:24rem;background:var(--card);border-radius:12px;padding:1.5rem;box-shadow:0 1px 3px rgb(16 24 40/10%)}
h1{font-size:1.4rem;margin:0 0 .5rem}
p{margin:.5rem 0}
.note{color:var(--muted);font-size:.95rem}
.error{color:var(--error);font-weight:550}
label{display:block;margin:1.25rem 0 .35rem;font-weight:600}
input[type=text]{width:100%;min-height:44px;padding:.55rem .75rem;font:inherit;color:inherit;background:var(--card);border:1px solid var(--border);border-radius:10px}
input[type=text][aria-invalid=true]{border-color:var(--error)}
button{margin-top:1.25rem;width:100%;min-height:44px;padding:.55rem 1.2rem;font:inherit;font-weight:600;color:var(--on-accent);background:var(--accent);border:0;border-radius:10px;cursor:pointer}
input:focus-visible,button:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
</style>
</head>
<body>
<header>faas dev · local sign-in</header>
<main>
<h1>{{.Title}}</h1>
{{if .Form}}<p class="note" id="note">Development issuer: any user name signs in, without a password. Local development only.</p>
{{end}}{{if .Message}}<p>{{.Message}}</p>
{{end}}{{if .Error}}<p class="error" id="error" role="alert">{{.Error}}</p>
{{end}}{{if .Form}}<form method="post">
{{range .Hidden}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">
{{end}}<label for="username">User name</label>
<input type="text" id="username" name="username" value="{{.Username}}" required autofocus autocomplete="username" maxlength="64" pattern="[A-Za-z0-9._@\-]{1,64}" aria-describedby="{{if .Error}}error {{end}}note"{{if .Error}} aria-invalid="true"{{end}}>
<button type="submit">Sign in</button>
</form>
{{end}}</main>
</body>
</html>
`))

// renderPage writes the page with headers that keep it out of caches and
// frames.
func renderPage(w http.ResponseWriter, status int, d pageData) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	// No form-action directive: browsers apply it to the redirect that
	// follows the form post, which goes to the app's origin.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	page.Execute(w, d)
}
