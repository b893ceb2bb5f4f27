"""deploy/ and docker/ agree with the code: images, commands, config keys, paths, versions.

No Docker engine and no Kubernetes cluster run here; these checks read the files and run
the real argument parsers and config loader over what the manifests would run.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def dockerfile(name: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    text = (ROOT / "docker" / name).read_text()
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    out = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def manifests() -> dict[str, dict]:
    """Every object in deploy/k8s by kind/name (kustomization.yaml only lists them)."""
    objects = {}
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"], path
            objects[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return objects


def built_images() -> dict[str, str]:
    """Dockerfile -> tag, from the commands `docker/build.sh --print` runs."""
    printed = subprocess.run(
        [str(ROOT / "docker" / "build.sh"), "--print"], capture_output=True, text=True, check=True
    ).stdout
    images = {}
    for line in printed.splitlines():
        argv = shlex.split(line)
        assert argv[:2] == ["docker", "build"] and argv[-1] == str(ROOT)
        images[Path(argv[argv.index("-f") + 1]).name] = argv[argv.index("-t") + 1]
    return images


def test_build_script_tags_both_images_with_the_package_version():
    assert built_images() == {
        "split.Dockerfile": f"splitlib-split:{VERSION}",
        "train.Dockerfile": f"splitlib-train:{VERSION}",
    }


@pytest.mark.parametrize("name", ["split.Dockerfile", "train.Dockerfile"])
def test_everything_a_dockerfile_copies_exists_and_is_not_ignored(name):
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    copies = [args for word, args in dockerfile(name) if word == "COPY"]
    assert copies
    for args in copies:
        sources = [a for a in shlex.split(args) if not a.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"{name} copies {source}, which does not exist"
            top = source.split("/")[0]
            assert not any(top == i or top.startswith(i.rstrip("*")) for i in ignored), source


@pytest.mark.parametrize("name", ["split.Dockerfile", "train.Dockerfile"])
def test_images_pin_versions_run_as_non_root_and_hold_no_secrets(name):
    steps = dockerfile(name)
    base = [args for word, args in steps if word == "FROM"]
    assert len(base) == 1 and ":" in base[0] and not base[0].endswith(":latest")
    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")  # the last USER is the one that runs
    text = (ROOT / "docker" / name).read_text()
    assert not re.search(r"(?i)(secret|password|aws_access_key_id|token)\s*=", text)
    requirements = re.search(r"COPY (docker/requirements-\w+\.txt)", text).group(1)
    for line in (ROOT / requirements).read_text().splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z0-9_.-]+==[0-9][0-9A-Za-z.+-]*", line), line


def test_split_image_matches_the_tested_spark_java_and_hadoop():
    import pyspark

    steps = dockerfile("split.Dockerfile")
    base = next(args for word, args in steps if word == "FROM")
    assert base == f"apache/spark:{pyspark.__version__}-scala2.13-java17-python3-ubuntu"
    jars = [p.name for p in (Path(pyspark.__file__).parent / "jars").glob("hadoop-client-api-*")]
    hadoop = jars[0].removeprefix("hadoop-client-api-").removesuffix(".jar")
    args = dict(a.split("=", 1) for word, a in steps if word == "ARG")
    assert args["HADOOP_VERSION"] == hadoop
    fetch = " ".join(a for word, a in steps if word == "RUN" and "repo1.maven.org" in a)
    assert "hadoop-aws/${HADOOP_VERSION}/" in fetch and "awssdk/bundle/${AWS_SDK_VERSION}/" in fetch
    assert "sha1sum -c" in fetch  # each jar checked against Maven Central's checksum
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    assert re.search(r'version "17\.', java)  # the tests' Java is the image's Java
    # the Spark operator starts drivers and executors through the base image's entrypoint
    assert not [a for word, a in steps if word in ("ENTRYPOINT", "CMD")]


def test_train_image_matches_the_tested_torch_and_runs_the_splitlib_command():
    steps = dockerfile("train.Dockerfile")
    base = next(args for word, args in steps if word == "FROM")
    pin = re.search(r"torch==([0-9.]+)", (ROOT / "Makefile").read_text()).group(1)
    assert re.fullmatch(rf"pytorch/pytorch:{re.escape(pin)}-cuda[0-9.]+-cudnn[0-9]+-runtime", base)
    entry = json.loads(next(a for word, a in steps if word == "ENTRYPOINT"))
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert entry == ["splitlib"] and scripts["splitlib"] == "splitlib.cli:main"
    cmd = json.loads(next(a for word, a in steps if word == "CMD"))
    from splitlib.cli import main

    assert main(cmd) == 0  # the default command lists the real subcommands


def test_manifests_use_the_built_images_and_never_hold_credentials():
    objects = manifests()
    images = built_images()
    app = objects["SparkApplication/splitlib-split"]
    job = objects["Job/splitlib-train"]
    assert app["spec"]["image"] == images["split.Dockerfile"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["image"] == images["train.Dockerfile"]
    assert not [k for k in objects if k.startswith("Secret/")]
    for path in K8S.glob("*.yaml"):
        lines = [x for x in path.read_text().splitlines() if not x.lstrip().startswith("#")]
        text = "\n".join(lines)
        assert not re.search(r"(?i)(aws_secret_access_key|aws_access_key_id|password)", text)
    # credentials: the Secret's AWS credentials file, mounted in every pod that touches S3
    pod = job["spec"]["template"]["spec"]
    for spec, volumes in (
        (app["spec"]["driver"], app["spec"]["volumes"]),
        (app["spec"]["executor"], app["spec"]["volumes"]),
        (container, pod["volumes"]),
    ):
        env = {e["name"]: e.get("value") for e in spec["env"]}
        folder, name = env["AWS_SHARED_CREDENTIALS_FILE"].rsplit("/", 1)
        (mount,) = [m for m in spec["volumeMounts"] if m["mountPath"] == folder]
        (volume,) = [v for v in volumes if v["name"] == mount["name"]]
        assert volume["secret"]["secretName"] == "splitlib-s3" and name == "credentials"
        assert mount["readOnly"] is True
    kustomized = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    assert sorted(kustomized) == sorted(
        p.name for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml"
    )


def test_spark_application_runs_the_split_job_with_the_configmaps_config(tmp_path):
    import pyspark

    from jobs.split import parse_args
    from splitlib.config import build

    objects = manifests()
    spec = objects["SparkApplication/splitlib-split"]["spec"]
    assert spec["sparkVersion"] == pyspark.__version__ and spec["type"] == "Python"
    # the application file is where split.Dockerfile copies jobs/
    main = spec["mainApplicationFile"].removeprefix("local://")
    copies = [shlex.split(a) for word, a in dockerfile("split.Dockerfile") if word == "COPY"]
    (dest,) = [c[-1] for c in copies if c[:-1] == ["jobs"]]
    assert main == f"{dest}/split.py" and (ROOT / "jobs" / "split.py").exists()
    args = parse_args(spec["arguments"])
    # the config file is the ConfigMap's split.toml, mounted where the arguments say
    (volume,) = [v for v in spec["volumes"] if "configMap" in v]
    (mount,) = [m for m in spec["driver"]["volumeMounts"] if m["name"] == volume["name"]]
    (item,) = volume["configMap"]["items"]
    assert args.config == f"{mount['mountPath']}/{item['path']}"
    config_map = objects[f"ConfigMap/{volume['configMap']['name']}"]["data"]
    local = tmp_path / item["path"]
    local.write_text(config_map[item["key"]])
    cfg = build(str(local), [])  # unknown keys or bad values raise here
    assert cfg.out.startswith("s3://") and cfg.input.path.startswith("s3://")
    assert spec["driver"]["serviceAccount"] == "splitlib-spark"
    assert "ServiceAccount/splitlib-spark" in objects


def test_training_job_runs_torchrun_on_gpus_with_valid_train_arguments():
    from splitlib.train.cli import parser

    objects = manifests()
    pod = objects["Job/splitlib-train"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = dict(objects["ConfigMap/splitlib-config"]["data"])
    assert {"configMapRef": {"name": "splitlib-config"}} in container["envFrom"]
    # Kubernetes expands $(VAR) in args from the container's environment
    args = [re.sub(r"\$\((\w+)\)", lambda m: env[m.group(1)], a) for a in container["args"]]
    assert container["command"] == ["torchrun"]
    module = args.index("-m")
    assert args[module + 1] == "splitlib.train" and (ROOT / "splitlib/train/__main__.py").exists()
    launcher = dict(a.lstrip("-").split("=", 1) for a in args[:module] if "=" in a)
    gpus = container["resources"]["limits"]["nvidia.com/gpu"]
    assert int(launcher["nproc_per_node"]) == gpus == 1
    ns = parser().parse_args(args[module + 2 :])  # every flag exists; required ones given
    assert ns.manifest == env["SPLITLIB_MANIFEST"] and ns.model == env["SPLITLIB_MODEL"]
    assert ns.out.startswith("s3://") and ns.resume


def _dependencies() -> set[str]:
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {Requirement(r).name.lower() for r in project["dependencies"]}


def _listed(path: Path) -> set[str]:
    names = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {re.split("[=<>]", name)[0].lower() for name in names if name}


def test_executors_get_every_dependency_but_the_driver_only_ones():
    driver_only = _listed(ROOT / "deploy" / "driver-only.txt")
    assert driver_only < _dependencies()
    # what tasks import stays shipped; training and Spark's own Python side do not
    assert driver_only == {"pyspark", "torch", "transformers", "safetensors", "matplotlib"}


@pytest.mark.parametrize(
    ("requirements", "provided"),
    [
        ("requirements-split.txt", {"pyspark", "torch", "transformers", "safetensors"}),
        ("requirements-train.txt", {"pyspark", "torch"}),
    ],
)
def test_images_install_every_dependency_they_need(requirements, provided):
    # pyspark comes with the Spark image and torch with the PyTorch image; the split image
    # never trains
    assert _listed(ROOT / "docker" / requirements) == _dependencies() - provided
