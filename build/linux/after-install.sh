#!/bin/bash
# deb/rpm post-install for Outflow. electron-builder substitutes ${executable} and
# ${sanitizedProductName} (single-quote-escaped) before packaging. Shell variables below are written
# as $NAME, never with braces, because electron-builder treats every brace-form as a template macro.
#
# Does what electron-builder's default script does (command link, chrome-sandbox mode, desktop and
# mime databases), then installs the polkit action for the privileged firewall helper.
set -u

APP_DIR='/opt/${sanitizedProductName}'
BIN_NAME='${executable}'

# Command on PATH.
if type update-alternatives >/dev/null 2>&1; then
  if [ -L "/usr/bin/$BIN_NAME" ] && [ -e "/usr/bin/$BIN_NAME" ] && [ "$(readlink "/usr/bin/$BIN_NAME")" != "/etc/alternatives/$BIN_NAME" ]; then
    rm -f "/usr/bin/$BIN_NAME"
  fi
  update-alternatives --install "/usr/bin/$BIN_NAME" "$BIN_NAME" "$APP_DIR/$BIN_NAME" 100 || ln -sf "$APP_DIR/$BIN_NAME" "/usr/bin/$BIN_NAME"
else
  ln -sf "$APP_DIR/$BIN_NAME" "/usr/bin/$BIN_NAME"
fi

# Chromium's setuid sandbox only where unprivileged user namespaces do not work.
if ! { [ -L /proc/self/ns/user ] && unshare --user true; } 2>/dev/null; then
  chmod 4755 "$APP_DIR/chrome-sandbox" || true
else
  chmod 0755 "$APP_DIR/chrome-sandbox" || true
fi

if hash update-mime-database 2>/dev/null; then
  update-mime-database /usr/share/mime || true
fi
if hash update-desktop-database 2>/dev/null; then
  update-desktop-database /usr/share/applications || true
fi

# Privileged helper: root-owned launcher at the exact path the polkit action names, and the action itself.
HELPER="$APP_DIR/resources/linux/outflow-helper"
POLICY_SRC="$APP_DIR/resources/linux/org.outflow.helper.policy"
POLICY_DIR=/usr/share/polkit-1/actions
if [ -f "$HELPER" ]; then
  chown root:root "$HELPER" && chmod 0755 "$HELPER"
fi
if [ -f "$POLICY_SRC" ]; then
  mkdir -p "$POLICY_DIR"
  install -m 0644 -o root -g root "$POLICY_SRC" "$POLICY_DIR/org.outflow.helper.policy"
fi

exit 0
