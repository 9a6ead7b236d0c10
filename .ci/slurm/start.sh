#!/usr/bin/env bash
# Start a real single-node Slurm for the tests: munge, MariaDB + slurmdbd (so sacct works as on
# CLAIX), slurmctld and slurmd. The node is declared like a CLAIX-2018 node (48 cores, 192 GB, two
# Volta GPUs as gres.conf File= entries on character devices) whatever this machine has: Slurm is
# told to trust the configuration (SlurmdParameters=config_overrides), so a request that fits CLAIX
# fits here and one that does not is refused as it would be there. Partition c18g sees the GPUs,
# c18m does not ask for them. Every daemon's PID goes to $STATE/pids, which
# stop.sh kills by PID. Idempotent enough to rerun after stop.sh.
set -euo pipefail
STATE=${NNS_SLURM_STATE:-/tmp/nns-slurm}
ACCOUNT=${NNS_SLURM_ACCOUNT:-nnsci}
HOST=$(hostname -s)
CPUS=48         # a CLAIX-2018 node (c18m, c18g), not this machine
MEM_MB=192000
mkdir -p "$STATE"/{log,spool/ctld,spool/d,db,run}
: > "$STATE/pids"

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
  local limit=$1 what=$2; shift 2
  for _ in $(seq "$limit"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  echo "timed out waiting for $what" >&2; return 1
}

# munge
mkdir -p /etc/munge /run/munge /var/log/munge /var/lib/munge
[ -s /etc/munge/munge.key ] || dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key
runuser -u munge -- /usr/sbin/munged --pid-file=/run/munge/munged.pid --force
wait_for 10 munge test -s /run/munge/munged.pid
cat /run/munge/munged.pid >> "$STATE/pids"

# MariaDB for slurmdbd, on a private socket and data folder
if [ ! -d "$STATE/db/mysql" ]; then
  mariadb-install-db --user=root --datadir="$STATE/db" >"$STATE/log/mariadb-install.log" 2>&1
fi
/usr/sbin/mariadbd --user=root --datadir="$STATE/db" --socket="$STATE/run/mysql.sock" \
  --pid-file="$STATE/run/mariadb.pid" --bind-address=127.0.0.1 --port=3307 \
  --log-error="$STATE/log/mariadb.log" >/dev/null 2>&1 &
wait_for 60 mariadb mariadb --socket="$STATE/run/mysql.sock" -e "select 1"
cat "$STATE/run/mariadb.pid" >> "$STATE/pids"
mariadb --socket="$STATE/run/mysql.sock" -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmpw'; \
  GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"

mkdir -p /etc/slurm
cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=root
LogFile=$STATE/log/slurmdbd.log
PidFile=$STATE/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StoragePort=3307
StorageLoc=slurm_acct_db
StorageUser=slurm
StoragePass=slurmpw
CONF
echo "StorageParameters=" >/dev/null
sed -i "s|^StorageHost=localhost|StorageHost=127.0.0.1|" /etc/slurm/slurmdbd.conf
chmod 600 /etc/slurm/slurmdbd.conf

cat > /etc/slurm/slurm.conf <<CONF
ClusterName=nnsci
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/spool/ctld
SlurmdSpoolDir=$STATE/spool/d
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
ReturnToService=2
MpiDefault=none
SlurmdParameters=config_overrides
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
AccountingStorageEnforce=associations
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
AccountingStorageTRES=gres/gpu
MinJobAge=600
InactiveLimit=0
KillWait=5
SlurmdTimeout=60
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB Gres=gpu:volta:2 State=UNKNOWN
PartitionName=c18m Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=c18g Nodes=$HOST MaxTime=INFINITE State=UP
CONF
cat > /etc/slurm/gres.conf <<CONF
NodeName=$HOST Name=gpu Type=volta File=/dev/null
NodeName=$HOST Name=gpu Type=volta File=/dev/zero
CONF
cat > /etc/slurm/cgroup.conf <<CONF
CgroupPlugin=autodetect
CONF

/usr/sbin/slurmdbd
wait_for 60 slurmdbd sacctmgr -i show cluster
cat "$STATE/run/slurmdbd.pid" >> "$STATE/pids"
sacctmgr -i add cluster nnsci >/dev/null 2>&1 || true
sacctmgr -i add account "$ACCOUNT" Cluster=nnsci Description=ci Organization=ci >/dev/null 2>&1 || true
sacctmgr -i add user root Account="$ACCOUNT" DefaultAccount="$ACCOUNT" >/dev/null 2>&1 || true

/usr/sbin/slurmctld
wait_for 30 slurmctld scontrol ping
cat "$STATE/run/slurmctld.pid" >> "$STATE/pids"
/usr/sbin/slurmd
wait_for 30 slurmd test -s "$STATE/run/slurmd.pid"
cat "$STATE/run/slurmd.pid" >> "$STATE/pids"
scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true
wait_for 60 "an idle node" bash -c "sinfo -h -o '%t' | grep -q idle"
sinfo
echo "Slurm is up; daemons: $(tr '\n' ' ' < "$STATE/pids")"
