#!/bin/bash -eu
# The same work as site.yml, done by hand on one host: what a careful user types, in two parts
# around the one reboot. Run by bench/run.py over SSH on a lab host (as root, or with sudo for another login):
#   ssh NODE bash -s PHASE BDF [IFACE=ADDRESS...] [--peer=ADDRESS...] < baseline.sh
# The target image is copied to /tmp/connectx-target.bin with scp first, the backup is fetched with scp -r and
# checked on the controller after phase 1, and the reboot between the phases is `ssh NODE reboot`, one node at a
# time, waited for until SSH answers with a new boot id (bench/run.py).
#   phase 1: install the tools, tool version, discovery, backup (image, config, ROM, VPD + SHA256SUMS), image check,
#            crossflash burn, ports to Ethernet
#   phase 2 (after the reboot): running firmware, ports, driver (blacklist, load, at boot,
#            initramfs), interfaces (ifupdown2), link state and peer ping
# Run as `bash -s`, the -eu above is not applied: set it here, so a failing step fails the baseline.
set -eu
phase=$1 bdf=$2
shift 2
image=/tmp/connectx-target.bin backup=/root/connectx-backup

if [ "$phase" = 1 ]; then
  # A fresh Proxmox VE 8 node has none of the tools (the lab's hosts are such nodes): install them first.
  apt-get update -q > /dev/null
  apt-get install -y -q mstflint=4.21.0+1-1 pciutils ethtool > /dev/null
  mstflint --version
  lspci -D -d 15b3:
  mstflint -d "$bdf" q
  umask 077
  mkdir -p "$backup"
  mstflint -d "$bdf" ri "$backup/card.image"
  mstflint -d "$bdf" dc "$backup/card.config"
  mstflint -d "$bdf" rrom "$backup/card.rom"
  mstvpd "$bdf" > "$backup/card.vpd"
  (cd "$backup" && sha256sum card.* > SHA256SUMS)
  mstflint -i "$image" v
  mstflint -i "$image" q
  mstflint -d "$bdf" -i "$image" -allow_psid_change -y burn
  mstflint -d "$bdf" q
  mstconfig -d "$bdf" -y set LINK_TYPE_P1=2 LINK_TYPE_P2=2
  exit 0
fi

mstflint -d "$bdf" q
mstconfig -d "$bdf" q
echo 'blacklist mlx4_ib' > /etc/modprobe.d/connectx-blacklist.conf
modprobe -r mlx4_ib || true
modprobe mlx4_en
echo mlx4_en > /etc/modules-load.d/connectx.conf
update-initramfs -u
peers=()
: > /etc/network/interfaces.d/connectx
for arg in "$@"; do
  case "$arg" in
    --peer=*) peers+=("${arg#--peer=}") ;;
    *=*) printf 'auto %s\niface %s inet static\n    address %s\n\n' "${arg%%=*}" "${arg%%=*}" "${arg#*=}" >> /etc/network/interfaces.d/connectx ;;
  esac
done
ifreload -a
for arg in "$@"; do
  case "$arg" in --peer=*) ;; *=*) ethtool "${arg%%=*}" ;; esac
done
for peer in "${peers[@]}"; do
  # The far end may still be coming up: a few tries, as one would.
  for _ in 1 2 3 4 5 6 7 8 9 10; do ping -c 1 -W 1 "$peer" && break; sleep 1; done
done
