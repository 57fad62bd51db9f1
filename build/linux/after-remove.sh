#!/bin/bash
# deb/rpm post-remove for Outflow: undo after-install.sh. ${executable} and ${sanitizedProductName} are
# electron-builder template macros; shell variables are written as $NAME only.
set -u

# Upgrades run this too: deb passes "upgrade", rpm passes the number of versions left (1 while the new
# one is already installed, whose post-install ran first). Only a real removal may take things away.
ACTION=remove
if [ "$#" -gt 0 ]; then ACTION=$1; fi
case "$ACTION" in
  upgrade|[1-9]*) exit 0 ;;
esac

APP_DIR='/opt/${sanitizedProductName}'
BIN_NAME='${executable}'

if type update-alternatives >/dev/null 2>&1; then
  update-alternatives --remove "$BIN_NAME" "$APP_DIR/$BIN_NAME" || true
else
  rm -f "/usr/bin/$BIN_NAME"
fi

rm -f /usr/share/polkit-1/actions/org.outflow.helper.policy

# Outflow's own firewall state, and nothing else: its nftables table, or its iptables chains.
if command -v nft >/dev/null 2>&1; then
  nft delete table inet outflow 2>/dev/null || true
fi
for ipt in iptables ip6tables; do
  if command -v "$ipt" >/dev/null 2>&1; then
    while "$ipt" -D OUTPUT -j OUTFLOW 2>/dev/null; do :; done
    "$ipt" -F OUTFLOW 2>/dev/null || true
    "$ipt" -X OUTFLOW 2>/dev/null || true
  fi
done

exit 0
