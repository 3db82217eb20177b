/* A hall's single-page app on oidc-client-ts (global `oidc`): public client, PKCE. */
"use strict";

function show(id, text) {
  document.getElementById(id).textContent = text;
}

async function userManager() {
  const config = await (await fetch("/config.json")).json();
  return new oidc.UserManager({
    authority: config.authority,
    client_id: config.client_id,
    redirect_uri: location.origin + "/callback.html",
    post_logout_redirect_uri: location.origin + "/signed-out.html",
    popup_redirect_uri: location.origin + "/popup-callback.html",
    response_type: "code",
    scope: config.scope,
    loadUserInfo: true,
    // Revoke the access and refresh tokens (RFC 7009, from this origin) on sign-out.
    revokeTokensOnSignout: true,
  });
}

async function home(mgr) {
  const button = document.getElementById("login");
  button.addEventListener("click", () => {
    mgr.signinRedirect().catch((e) => show("error", String(e)));
  });
  document.getElementById("login-popup").addEventListener("click", () => {
    mgr.signinPopup().then((user) => {
      show("sub", user.profile.sub);
      show("status", "signed-in-by-popup");
    }).catch((e) => show("error", String(e)));
  });
  show("status", "ready");
}

async function callback(mgr) {
  // Exchanges the code at the token endpoint (from this origin: CORS), checks
  // state, decodes the ID token and merges in the userinfo response.
  const user = await mgr.signinRedirectCallback();
  show("sub", user.profile.sub);
  show("name", user.profile.name || "");
  show("scope", user.scope || "");
  show("id-token", user.id_token);
  const endpoint = await mgr.metadataService.getUserInfoEndpoint();
  const response = await fetch(endpoint, {
    headers: { Authorization: "Bearer " + user.access_token },
  });
  show("userinfo", JSON.stringify(await response.json()));
  const renew = document.getElementById("renew");
  renew.hidden = false;
  renew.addEventListener("click", () => {
    // With a refresh token the library renews at the token endpoint (refresh_token
    // grant from this origin), without an iframe.
    mgr.signinSilent().then((renewed) => {
      const fresh = renewed.access_token !== user.access_token &&
        renewed.refresh_token !== user.refresh_token;
      show("renewed", fresh ? "renewed:" + renewed.profile.sub : "unchanged");
    }).catch((e) => show("error", String(e)));
  });
  const logout = document.getElementById("logout");
  logout.hidden = false;
  logout.addEventListener("click", () => {
    mgr.signoutRedirect().catch((e) => show("error", String(e)));
  });
  show("status", "signed-in");
}

async function popupCallback(mgr) {
  await mgr.signinPopupCallback();
  show("status", "done");
}

async function signedOut(mgr) {
  await mgr.signoutRedirectCallback();
  const user = await mgr.getUser();
  show("status", user ? "still-signed-in" : "signed-out");
}

(async function main() {
  const pages = {
    home: home, callback: callback, "signed-out": signedOut, "popup-callback": popupCallback,
  };
  try {
    const mgr = await userManager();
    await pages[document.body.dataset.page](mgr);
  } catch (e) {
    show("error", (e && e.name ? e.name + ": " : "") + String(e && e.message ? e.message : e));
  }
})();
