#!/usr/bin/env python3
"""`cmake --install` into a temporary prefix, then wsfo from the installed files only.

Usage: install_check.py BUILD_DIR [--deb]

Installs BUILD_DIR into a fresh prefix and, from an empty working directory,
runs the installed bin/wsfo: --version must name PREFIX/share/wsfo as its data
folder, `wsfo scenario check` an installed scenario, and a short `wsfo
simulate` of one, every path under the prefix. With --deb it also builds the
.deb with cpack and checks its contents and Depends (dpkg-deb).
"""
import os
import subprocess
import sys
import tempfile

build_dir = os.path.abspath(sys.argv[1])
with_deb = "--deb" in sys.argv[2:]
failures = []


def run(argv, cwd, timeout=120):
    result = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=timeout,
                            stdin=subprocess.DEVNULL)
    return result.returncode, result.stdout, result.stderr


with tempfile.TemporaryDirectory(prefix="wsfo-install-") as tmp:
    prefix = os.path.join(tmp, "prefix")
    cwd = os.path.join(tmp, "empty")
    os.mkdir(cwd)
    code, out, err = run(["cmake", "--install", build_dir, "--prefix", prefix], cwd)
    if code != 0:
        print(f"cmake --install: exit {code}\n{out}{err}")
        sys.exit(1)
    share = os.path.join(prefix, "share", "wsfo")
    for relative in ["bin/wsfo", "share/wsfo/scenarios/schema.json", "share/wsfo/scenarios/rules.schema.json",
                     "share/wsfo/report.schema.json", "share/wsfo/scenarios/seed-msha-cutover.json",
                     "share/wsfo/scenarios/regression/node-kill.json", "share/wsfo/scenarios/fidelity/storm-2k.json",
                     "share/wsfo/scenarios/capacity/traffic-1m.json", "share/doc/wsfo/README.md",
                     "share/doc/wsfo/DESIGN.md", "share/doc/wsfo/report.schema.json"]:
        if not os.path.exists(os.path.join(prefix, relative)):
            failures.append(f"not installed: {relative}")
    wsfo = os.path.join(prefix, "bin", "wsfo")

    code, out, err = run([wsfo, "--version"], cwd)
    if code != 0 or f"data: {os.path.realpath(share)}" not in out:
        failures.append(f"installed wsfo --version does not name {share} as its data folder (exit {code}):\n{out}")

    seed = os.path.join(share, "scenarios", "seed-msha-cutover.json")
    code, out, err = run([wsfo, "scenario", "check", seed], cwd)
    if code != 0 or "seed-msha-cutover" not in out:
        failures.append(f"wsfo scenario check {seed}: exit {code}\n{out}{err}")

    run_dir = os.path.join(tmp, "run")
    code, out, err = run([wsfo, "simulate", os.path.join(share, "scenarios", "regression", "node-kill.json"),
                          "--report-dir", run_dir], cwd)
    if code != 0:
        failures.append(f"installed wsfo simulate: exit {code}\n{out[-2000:]}{err[-2000:]}")
    for name in ["history.jsonl", "report.json", "junit.xml", "report.html", "capacity.json"]:
        if not os.path.exists(os.path.join(run_dir, name)):
            failures.append(f"installed wsfo simulate wrote no {name}")
    if os.listdir(cwd):
        failures.append(f"wsfo wrote into its working directory: {os.listdir(cwd)}")

    if with_deb:
        deb_dir = os.path.join(tmp, "deb")
        code, out, err = run(["cpack", "-G", "DEB", "--config", os.path.join(build_dir, "CPackConfig.cmake"),
                              "-B", deb_dir], cwd, timeout=240)
        debs = [f for f in os.listdir(deb_dir) if f.endswith(".deb")] if os.path.isdir(deb_dir) else []
        if code != 0 or len(debs) != 1:
            failures.append(f"cpack: exit {code}, packages {debs}\n{out[-2000:]}{err[-2000:]}")
        else:
            deb = os.path.join(deb_dir, debs[0])
            code, contents, err = run(["dpkg-deb", "-c", deb], cwd)
            for path in ["./usr/bin/wsfo", "./usr/share/wsfo/scenarios/schema.json",
                         "./usr/share/wsfo/scenarios/rules.schema.json", "./usr/share/wsfo/report.schema.json",
                         "./usr/share/wsfo/scenarios/seed-msha-cutover.json", "./usr/share/doc/wsfo/README.md"]:
                if not any(line.split()[-1] == path for line in contents.splitlines() if line.split()):
                    failures.append(f"{debs[0]} lacks {path}")
            code, depends, err = run(["dpkg-deb", "-f", deb, "Depends"], cwd)
            for package in ["libc6", "libstdc++6", "libsimgrid"]:
                if package not in depends:
                    failures.append(f"{debs[0]}: Depends lacks {package}: {depends.strip()!r}")
            print(f"{debs[0]}: {os.path.getsize(deb) / 1e6:.1f} MB; Depends: {depends.strip()}")
            # The package's own tree, unpacked (not installed): its wsfo finds its data beside it.
            root = os.path.join(tmp, "unpacked")
            code, out, err = run(["dpkg-deb", "-x", deb, root], cwd)
            packaged = os.path.join(root, "usr", "bin", "wsfo")
            code, out, err = run([packaged, "--version"], cwd)
            if code != 0 or f"data: {os.path.realpath(os.path.join(root, 'usr', 'share', 'wsfo'))}" not in out:
                failures.append(f"the packaged wsfo does not find usr/share/wsfo beside it (exit {code}):\n{out}{err}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("installed wsfo ran from its prefix: scenario check and simulate passed" + (", .deb checked" if with_deb else ""))
