// Log in: exchange the password for the session cookie, then go where the user was heading.
import { api } from "/static/app.js";

const form = document.getElementById("login-form");
const error = document.getElementById("login-error");

/**
 * Only a path on this server may follow the log-in, never another site. The browser's own URL
 * parser decides: it reads "/\host" and "/<tab>/host" as "//host", which no prefix test foresees.
 */
function nextPath(fallback) {
  const next = new URLSearchParams(location.search).get("next");
  if (!next) return fallback;
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return fallback;
  }
  if (url.origin !== location.origin || url.pathname.startsWith("/login")) return fallback;
  // The parsed path, not the raw text, so that nothing is read a second time another way.
  return url.pathname + url.search + url.hash;
}

form.addEventListener("submit", async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const who = await api("/api/v1/token", {
      method: "POST",
      body: { username: form.username.value.trim(), password: form.password.value },
    });
    const centre = who.role === "analyst" || who.role === "supervisor";
    const home = centre ? "/" : "/member/orders";
    // A member never heads for a centre page, and the other way round.
    const next = nextPath(home);
    location.assign(centre === !next.startsWith("/member") ? next : home);
  } catch (err) {
    error.textContent = err.message || String(err);
    error.hidden = false;
    button.disabled = false;
    form.password.select();
  }
});
