// Passkeys (WebAuthn) on the staff pages. The server makes every challenge and checks every
// answer; this file only hands the server's options to the browser and puts the browser's
// answer into the form's hidden "credential" field before the form is sent.
//
// A form opts in with data-passkey="create" (add a passkey) or "get" (log in with one), the
// options as JSON in data-passkey-options, and messages in data-passkey-failed and
// data-passkey-unsupported. Its section stays hidden where the browser has no WebAuthn.
(function () {
  "use strict";

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      var copy = Object.assign({}, item);
      copy.id = toBytes(item.id);
      return copy;
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return options;
  }

  // The answer in the JSON form the server's library reads (WebAuthn Level 3's toJSON()).
  function answer(credential) {
    var response = credential.response;
    var json = {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: toBase64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = toBase64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = toBase64url(response.authenticatorData);
      json.response.signature = toBase64url(response.signature);
      if (response.userHandle) json.response.userHandle = toBase64url(response.userHandle);
    }
    return json;
  }

  function prepare(form) {
    var status = form.querySelector("[data-passkey-status]");
    var section = form.closest("[data-passkey-section]") || form;
    if (!window.PublicKeyCredential || !navigator.credentials) {
      if (status && form.dataset.passkeyUnsupported) {
        section.hidden = false;
        status.textContent = form.dataset.passkeyUnsupported;
        form.querySelectorAll("button").forEach(function (button) {
          button.disabled = true;
        });
      }
      return;
    }
    section.hidden = false;
    var sending = false;
    form.addEventListener("submit", function (event) {
      if (sending) return; // our own submit, with the answer filled in
      event.preventDefault();
      if (status) status.textContent = "";
      var options = JSON.parse(form.dataset.passkeyOptions);
      var ceremony =
        form.dataset.passkey === "create"
          ? navigator.credentials.create({ publicKey: creationOptions(options) })
          : navigator.credentials.get({ publicKey: requestOptions(options) });
      ceremony
        .then(function (credential) {
          form.querySelector("input[name=credential]").value = JSON.stringify(answer(credential));
          sending = true;
          form.submit();
        })
        .catch(function () {
          if (status) status.textContent = form.dataset.passkeyFailed;
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-passkey]").forEach(prepare);
  });
})();
