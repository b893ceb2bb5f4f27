"""The whole split job on the bundled corpus: the contracts of DESIGN.md hold."""

from __future__ import annotations

import glob
import hashlib
import json
import os
from html import escape as html_escape
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from splitlib.corpus import SOURCES
from splitlib.errors import UserError
from splitlib.manifest import read_manifest
from splitlib.text import normalize

pytestmark = pytest.mark.slow


def _read(root: str, pattern: str) -> pa.Table:
    # one file at a time: the hive-style folder names would clash with the `domain` column
    return pa.concat_tables(
        [pq.read_table(f) for f in sorted(glob.glob(os.path.join(root, pattern)))]
    )


def nmi(a, b) -> float:
    """Normalized mutual information (arithmetic mean of the entropies)."""
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    joint = np.zeros((ia.max() + 1, ib.max() + 1))
    np.add.at(joint, (ia, ib), 1)
    p = joint / joint.sum()
    pa_, pb = p.sum(1), p.sum(0)
    nz = p > 0
    mi = (p[nz] * np.log(p[nz] / np.outer(pa_, pb)[nz])).sum()
    h = lambda q: -(q[q > 0] * np.log(q[q > 0])).sum()  # noqa: E731
    return 2 * mi / (h(pa_) + h(pb))


def test_manifest_is_committed_and_counts_add_up(bundled_run):
    root, manifest = bundled_run
    assert read_manifest(root) == manifest
    c = manifest["counts"]
    assert c["read"] == 10_500
    assert c["read"] == c["kept"] + c["quarantined"]
    assert c["kept"] == c["train_docs"] + c["valid_docs"]
    assert c["contaminated"] == 0
    assert len(manifest["domains"]) == len(SOURCES)
    assert manifest["tokenizer"]["vocab_size"] == 4096
    assert manifest["plan"] is None


def test_each_domain_shows_its_nearest_sampled_documents(bundled_run):
    """domains.examples = 3: each domain's three documents of highest score (ties by key);
    the bundled corpus is sampled whole, so they are the top three of docs/. Each opening is
    the text's start on one line, cut at a word; the report shows them."""
    from helpers import bundled_records

    from splitlib.text import doc_hashes

    root, manifest = bundled_run
    docs = _read(root, "docs/*.parquet").select(["id", "domain", "score"]).to_pandas()
    docs["key"] = doc_hashes(docs.id.tolist(), manifest["config"]["seed"])  # the job's key
    texts = {r["id"]: r["text"] for r in bundled_records()}
    report = Path(root, "report.html").read_text()
    assert "<h2>What each domain holds</h2>" in report
    for d in manifest["domains"]:
        own = docs[docs.domain == d["name"]].sort_values(["score", "key"], ascending=[False, True])
        assert [e["id"] for e in d["examples"]] == own.id.head(3).tolist()
        assert [e["score"] for e in d["examples"]] == pytest.approx(
            own.score.head(3).tolist(), abs=1e-4
        )
        for e in d["examples"]:
            flat = " ".join(texts[e["id"]].split())
            if len(flat) <= 160:
                assert e["opening"] == flat
            else:
                cut = e["opening"].removesuffix(" …")
                assert e["opening"].endswith(" …") and len(cut) <= 160
                assert flat.startswith(cut) and flat[len(cut)] == " "
            assert f"<td>{e['id']}</td>" in report


def test_every_shard_matches_its_checksum_and_counts(bundled_run):
    root, manifest = bundled_run
    for shard in manifest["shards"]:
        data = Path(root, shard["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == shard["sha256"]
        assert len(data) == shard["bytes"]
        table = pq.read_table(os.path.join(root, shard["path"]))
        assert table.num_rows == shard["rows"]
        if "n_tokens" in table.column_names:
            assert sum(table.column("n_tokens").to_pylist()) == shard["tokens"]


def test_training_documents_are_in_the_mixture_and_exactly_one_domain_set(bundled_run):
    root, manifest = bundled_run
    mixture = _read(root, "data/mixture/*.parquet")
    domain_sets = {
        d["name"]: _read(root, f"data/domain={d['name']}/*.parquet") for d in manifest["domains"]
    }
    docs = _read(root, "docs/*.parquet")
    train_ids = set(
        docs.filter(pa.compute.equal(docs.column("split"), "train")).column("id").to_pylist()
    )
    assert set(mixture.column("id").to_pylist()) == train_ids
    seen: dict[str, str] = {}
    for name, table in domain_sets.items():
        assert set(table.column("domain").to_pylist()) == {name}
        for doc_id in table.column("id").to_pylist():
            assert doc_id not in seen, f"{doc_id} in {seen.get(doc_id)} and {name}"
            seen[doc_id] = name
    assert set(seen) == train_ids
    # token ids match the saved tokenizer
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(root, manifest["tokenizer"]["path"]))
    row = mixture.slice(0, 1).to_pylist()[0]
    assert tok.encode(row["text"], add_special_tokens=False).ids == row["token_ids"]
    assert row["n_tokens"] == len(row["token_ids"])


def test_validation_and_training_sets_are_disjoint(bundled_run):
    root, manifest = bundled_run
    valid = _read(root, "data/valid/*/*.parquet")
    mixture = _read(root, "data/mixture/*.parquet")
    assert valid.num_rows == manifest["counts"]["valid_docs"] > 0
    assert not set(valid.column("id").to_pylist()) & set(mixture.column("id").to_pylist())
    norm = lambda t: {normalize(x) for x in t.column("text").to_pylist()}  # noqa: E731
    assert not norm(valid) & norm(mixture)
    for d in manifest["domains"]:
        assert d["valid_docs"] >= 1


def test_discovered_domains_agree_with_the_sources(bundled_run):
    root, _ = bundled_run
    docs = _read(root, "docs/*.parquet")
    # the input's other fields are carried through as columns of their own
    assert {"source", "topic", "license"} <= set(docs.column_names)
    score = nmi(docs.column("domain").to_pylist(), docs.column("source").to_pylist())
    assert score >= 0.82, score


def test_statistics_are_consistent(bundled_run):
    root, manifest = bundled_run
    k = len(manifest["domains"])
    js = np.array(manifest["pairwise_js"])
    assert js.shape == (k, k)
    assert np.allclose(js, js.T) and np.all(np.diag(js) == 0) and np.all(js <= np.log(2))
    for d in manifest["domains"]:
        assert (
            d["kl_to_mixture"] > 0
            and d["kl_from_mixture"] > 0
            and 0 < d["js_to_mixture"] < np.log(2)
        )
        assert d["train_tokens"] == manifest["sets"][f"domain={d['name']}"]["tokens"]
        assert len(d["top_terms"]) == 12
    docs = _read(root, "docs/*.parquet").to_pandas()
    # a document's own domain is, on average, the one it is most relevant to
    own = docs.groupby("domain")["relevance_own"].mean()
    assert (own > 0).all()
    rel = np.stack(docs["relevance"].to_numpy())
    assert rel.shape == (10_500, k)
    index = {d["name"]: d["index"] for d in manifest["domains"]}
    own_column = docs["domain"].map(index).to_numpy()
    assert np.allclose(rel[np.arange(len(docs)), own_column], docs["relevance_own"], atol=1e-6)


def test_router_reproduces_the_jobs_assignment(bundled_run):
    from splitlib.routing import Router

    root, _ = bundled_run
    valid = _read(root, "data/valid/*/*.parquet")
    router = Router.load(root)
    assert router.route(valid.column("text").to_pylist()) == valid.column("domain").to_pylist()


def test_short_texts_route_where_a_reader_expects(bundled_run):
    """The README's example goes to the recipes' domain; the report measures prompt routing."""
    from splitlib.routing import Router

    root, manifest = bundled_run
    docs = _read(root, "docs/*.parquet").to_pandas()
    recipes = docs[docs["source"] == "wikibooks-recipes"]["domain"].value_counts().idxmax()
    router = Router.load(root)
    for example in (
        "Preheat the oven and whisk the eggs.",
        "Preheat the oven and whisk the eggs with the sugar.",
    ):
        assert router.route([example]) == [recipes]
    routing = manifest["routing"]
    assert routing["words"] == [8, 16, 32, 64, 256]
    assert routing["docs"] == manifest["counts"]["valid_docs"]
    # measured on this corpus: 0.80, 0.88, 0.94, 0.97, 1.0 of prefixes go where the whole went
    assert routing["accuracy"] == pytest.approx([0.80, 0.88, 0.94, 0.97, 1.0], abs=0.02)
    assert routing["accuracy"] == sorted(routing["accuracy"])
    html = Path(root, "report.html").read_text(encoding="utf-8")
    assert "Routing short texts" in html and "How the domains were fitted" in html


def test_report_and_domain_files_are_written(bundled_run):
    root, manifest = bundled_run
    html = Path(root, "report.html").read_text(encoding="utf-8")
    for d in manifest["domains"]:
        assert d["name"] in html
        # the Domains table's row: ..., ambiguous share, its stability, the features'
        # agreement (none: this run fits tf-idf only), its top terms
        top = html_escape(d["top_terms"][0])
        stable = f"%</td><td>{d['stability']:.2f}</td><td>–</td><td>{top}"
        assert f"<tr><td>{d['name']}</td>" in html and stable in html, d["name"]
    assert "<th>stable</th><th>features agree</th>" in html
    # the domains to read first: named by the job from its own numbers, in the report
    from jobs.stages import domain_warnings
    from splitlib.config import build

    names = [d["name"] for d in manifest["domains"]]
    warnings = manifest["domain_fit"]["domain_warnings"]
    assert warnings == domain_warnings(build(), manifest["domain_fit"], names)
    for line in warnings:
        assert html_escape(line) in html
    assert html.count("data:image/png;base64,") >= 3
    info = json.loads(Path(root, "domains", "router.json").read_text())
    assert info["names"] == [d["name"] for d in manifest["domains"]]
    counts = np.load(os.path.join(root, "domains", "token_counts.npy"))
    assert counts.shape == (len(manifest["domains"]), 1 << 16)


def test_a_committed_run_is_not_overwritten_without_asking(bundled_run, spark):
    from jobs.pipeline import run_split
    from splitlib.config import build

    root, _ = bundled_run
    with pytest.raises(UserError, match="--overwrite"):
        run_split(build(overrides=[f"out={root}"]), spark=spark)


def test_the_domains_command_shows_a_runs_domains_in_the_terminal(bundled_run, capsys, tmp_path):
    """`splitlib domains`: the manifest's domains as a table, then each one's examples."""
    from splitlib.cli import main

    root, manifest = bundled_run
    domains, fit = manifest["domains"], manifest["domain_fit"]
    assert main(["domains", "--run", root, "--examples", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"7 domains of {manifest['input_url']}, by k-means"
    # a tf-idf run: no choice between fits to state, and no per-domain agreement
    assert out[1] == f"stability: NMI {fit['stability']:.3f} between the domains of seeds 0 and 1"
    assert out[2] == "" and out[3].split() == [
        "domain",
        "docs",
        "share",
        "stable",
        "agree",
        "top",
        "terms",
    ]
    total = sum(d["docs"] for d in domains)
    for d, line in zip(domains, out[4:11], strict=True):
        share = f"{100 * d['docs'] / total:.1f}%"
        cells = [d["name"], f"{d['docs']:,}", share, f"{d['stability']:.2f}", "–"]
        assert line.split()[:5] == cells
        assert line.endswith(", ".join(d["top_terms"][:6]))
    warnings = [f"Read first: {w}" for w in fit["domain_warnings"]]
    assert out[11 : 11 + len(warnings)] == warnings
    rest = out[11 + len(warnings) :]
    assert len(rest) == 3 * 7
    for i, d in enumerate(domains):
        e = d["examples"][0]
        assert rest[3 * i : 3 * i + 3] == [
            "",
            f"{d['name']}:",
            f"    {e['id']}  {e['score']:.3f}  {e['opening']}",
        ]
    assert main(["domains", "--run", root, "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["name"] for r in records] == [d["name"] for d in domains]
    assert records[0]["stability"] == domains[0]["stability"] and records[0]["examples"] == []
    # more examples than the run kept: those, and a note saying how many it kept
    kept = len(domains[0]["examples"])
    assert main(["domains", "--run", root, "--json", "--examples", "1000"]) == 0
    captured = capsys.readouterr()
    assert [len(json.loads(line)["examples"]) for line in captured.out.splitlines()] == [
        len(d["examples"]) for d in domains
    ]
    assert captured.err == (
        f"note: the run kept {kept} examples per domain (domains.examples); showing those.\n"
    )
    assert main(["domains", "--run", root, "--examples", "-1"]) == 2
    assert capsys.readouterr().err == (
        "splitlib domains: error: --examples -1: give a number of documents, 0 or more.\n"
    )
    # not a run: one clear message
    assert main(["domains", "--run", str(tmp_path)]) == 2
    assert "this is not a committed split run" in capsys.readouterr().err


def _kept_run(spark, root: str, corpus, out, *overrides: str) -> dict:
    """A job on `corpus` keeping the domains of the committed run `root`."""
    from jobs.pipeline import run_split
    from splitlib.config import build

    reuse = [f"input.path={corpus}", f"out={out}", "features.vocab_size=1024"]
    reuse.append(f"domains.from_run={root}")
    return run_split(build(overrides=[*reuse, *overrides]), spark=spark)


def test_a_later_crawl_keeps_the_domains_of_an_earlier_run(bundled_run, spark, tmp_path, capsys):
    """domains.from_run: no fit; every document goes where the earlier run put it, under the
    earlier run's names or those domains.rename gives (two domains given one name become one),
    and the new run's domains/ holds the earlier centroids (so it can be reused in turn); the
    manifest, the report and `splitlib domains` say where they came from."""
    from helpers import subset, write_jsonl

    from splitlib.cli import main
    from splitlib.routing import Router

    root, manifest = bundled_run
    names = [d["name"] for d in manifest["domains"]]
    # the first domain renamed, the second merged into the third under the third's name
    rename = {names[0]: "renamed", names[1]: names[2]}
    new_of = {n: rename.get(n, n) for n in names}
    expected = ["renamed", *names[2:]]
    corpus = write_jsonl(tmp_path / "later.jsonl", subset(60))
    out = tmp_path / "later"
    later = _kept_run(spark, root, corpus, out, f"domains.rename={json.dumps(rename)}")
    assert [d["name"] for d in later["domains"]] == expected
    assert later["domain_mode"] == "from_run" and later["domain_fit"] is None
    source = later["domains_from"]
    assert source["run"] == root and source["domains"] == names
    assert source["renamed"] == {names[0]: "renamed", names[1]: names[2], names[2]: names[2]}
    raw = Path(root, "manifest.json").read_bytes()
    assert source["manifest_sha256"] == hashlib.sha256(raw).hexdigest()
    assert source["domain_mode"] == "kmeans"
    earlier = _read(root, "docs/*.parquet").to_pydict()
    before = dict(zip(earlier["id"], earlier["domain"], strict=True))
    after = _read(str(out), "docs/*.parquet").select(["id", "domain"]).to_pydict()
    assert len(after["id"]) == 60 * len(SOURCES)
    assert after["domain"] == [new_of[before[i]] for i in after["id"]]
    for name in ("centroids.npy", "idf.npy"):
        assert (out / "domains" / name).read_bytes() == Path(root, "domains", name).read_bytes()
    # each earlier centroid now belongs to its domain's new name, and routes there in turn
    router = json.loads((out / "domains" / "router.json").read_text())
    assert router["names"] == expected
    assert router["prototype_domains"] == [expected.index(new_of[n]) for n in names]
    texts = [json.loads(line)["text"] for line in Path(corpus).read_text().splitlines()][::7]
    then = Router.load(root).route(texts)
    assert Router.load(str(out)).route(texts) == [new_of[d] for d in then]
    html = (out / "report.html").read_text(encoding="utf-8")
    words = f"kept from {root}, renamed {names[0]} → renamed, merged "
    words += f"{' + '.join(sorted(names[1:3]))} → {names[2]}"
    assert f"domains {html_escape(words)};" in html
    # each domain's share then and now, of documents and of ambiguous ones, side by side; a
    # merged domain's share then is its parts' sum, its ambiguous share then unknown
    total = sum(d["docs"] for d in manifest["domains"])
    shares = {d["name"]: d["docs"] / total for d in manifest["domains"]}
    ambiguous = {d["name"]: d["ambiguous_share"] for d in manifest["domains"]}
    floors = {d["name"]: d["score_floor"] for d in manifest["domains"]}
    below = {d["name"]: d["below_floor_share"] for d in manifest["domains"]}
    shares[names[2]] += shares[names[1]]
    ambiguous[names[2]] = below[names[2]] = None
    floors[names[2]] = min(floors[names[1]], floors[names[2]])  # far only if far from both
    for table in (shares, ambiguous, floors, below):
        table["renamed"] = table[names[0]]
    assert source["earlier"] == [
        {
            "name": n,
            "share": pytest.approx(shares[n], abs=2e-6),
            "ambiguous_share": ambiguous[n],
            "score_floor": floors[n],
            "below_floor_share": below[n],
        }
        for n in expected
    ]
    # documents of the earlier crawl: each scores as it did there, so a domain's share under
    # the earlier floor is that of its documents' earlier scores (a merged domain: the lower
    # floor of its parts)
    score_then = dict(zip(earlier["id"], earlier["score"], strict=True))
    for now in later["domains"]:
        ids = [i for i, d in zip(after["id"], after["domain"], strict=True) if d == now["name"]]
        under = sum(score_then[i] < floors[now["name"]] for i in ids)
        assert now["far_share"] == round(under / len(ids), 6), now["name"]
    assert later["domains_from"]["warnings"] == []

    def cell(x):
        return "–" if x is None else f"{100 * x:.1f}%"

    for now in later["domains"]:
        n = now["name"]
        cells = [n, cell(shares[n]), cell(now["docs"] / (60 * len(SOURCES)))]
        cells += [cell(ambiguous[n]), cell(now["ambiguous_share"])]
        cells += [cell(below[n]), cell(now["far_share"])]
        assert "<tr><td>" + "</td><td>".join(cells) + "</td></tr>" in html, cells
    capsys.readouterr()  # the job's own log
    assert main(["domains", "--run", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"{len(expected)} domains of {later['input_url']}, {words}"
    # the terminal's table: the earlier run's shares where a fitted run has its fit numbers
    assert printed[2].split() == [
        "domain",
        "docs",
        "share",
        "then",
        "ambiguous",
        "then",
        "far",
        "then",
        "top",
        "terms",
    ]
    assert len(printed) == 3 + len(expected)  # no fit, so no domain named to read first
    for line, now in zip(printed[3:], later["domains"], strict=True):
        n = now["name"]
        assert line.split()[:8] == [
            n,
            f"{now['docs']:,}",
            cell(now["docs"] / (60 * len(SOURCES))),
            cell(shares[n]),
            cell(now["ambiguous_share"]),
            cell(ambiguous[n]),
            cell(now["far_share"]),
            cell(below[n]),
        ]


def test_reused_domains_must_fit_the_new_runs_settings(bundled_run, tmp_path):
    """Each setting that would put documents elsewhere than the earlier run did is refused
    with what to set; a folder that is not a committed run is refused before any work."""
    from splitlib.config import build
    from splitlib.reuse import load_reused_domains

    root, manifest = bundled_run
    reuse = f"domains.from_run={root}"
    with pytest.raises(UserError) as err:
        load_reused_domains(build(overrides=[reuse, "features.n_buckets=1024"]))
    assert str(err.value) == (
        f"domains.from_run: the domains of {root!r} were built with features.n_buckets=65536; "
        "set the same (--set features.n_buckets=65536)."
    )
    with pytest.raises(UserError, match=r"gives 7 domains but domains.k=5; drop --k"):
        load_reused_domains(build(overrides=[reuse, "domains.k=5"]))
    with pytest.raises(UserError, match="not a committed split run"):
        load_reused_domains(build(overrides=[f"domains.from_run={tmp_path}"]))
    reused = load_reused_domains(build(overrides=[reuse, "domains.k=7"]))
    names = [d["name"] for d in manifest["domains"]]
    assert reused.router.domains == names
    # domains.rename: only the earlier run's domains, only names that can name folders, and
    # domains.k counts the domains after merging
    renamed = f"domains.rename={json.dumps({'nope': 'x', names[0]: 'y'})}"
    with pytest.raises(UserError) as err:
        load_reused_domains(build(overrides=[reuse, renamed]))
    assert str(err.value) == (
        f"domains.rename: {root!r} has no domain 'nope'; its domains are {', '.join(names)}."
    )
    renamed = f"domains.rename={json.dumps({names[0]: 'Plays by Shakespeare'})}"
    with pytest.raises(UserError) as err:
        load_reused_domains(build(overrides=[reuse, renamed]))
    assert str(err.value) == (
        "domains.rename: 'Plays by Shakespeare' cannot name a domain (it names folders): use "
        "lower case letters, digits, '-' and '_', e.g. 'plays-by-shakespeare'."
    )
    merged = f"domains.rename={json.dumps({names[0]: 'both', names[1]: 'both'})}"
    with pytest.raises(UserError, match=r"gives 6 domains but domains.k=7; drop --k"):
        load_reused_domains(build(overrides=[reuse, merged, "domains.k=7"]))
    reused = load_reused_domains(build(overrides=[reuse, merged]))
    assert reused.router.domains == ["both", *names[2:]]
    # domains.split: only domains the run has (after renaming), and domains.k counts the parts
    cut = f"domains.split={json.dumps({'both': 3})}"
    with pytest.raises(UserError) as err:
        load_reused_domains(build(overrides=[reuse, cut]))
    assert str(err.value) == (
        f"domains.split: {root!r} has no domain 'both'; its domains are {', '.join(names)}."
    )
    with pytest.raises(UserError, match=r"gives 8 domains but domains.k=6; drop --k"):
        load_reused_domains(build(overrides=[reuse, merged, cut, "domains.k=6"]))


def test_a_kept_domain_cut_in_parts_finds_the_sources_merged_into_it(
    bundled_run, spark, tmp_path, capsys
):
    """domains.split on a reused run: the Bible's and the recipes' domains, merged by
    domains.rename and cut in two again, come back as the two domains they were, document by
    document and under the names the fit gave them (the parts are named from their words);
    every other document stays where the earlier run put it, and the run routes as it assigned."""
    from helpers import subset, write_jsonl

    from splitlib.cli import main
    from splitlib.routing import Router

    root, manifest = bundled_run
    names = [d["name"] for d in manifest["domains"]]
    records = subset(60)
    earlier = _read(root, "docs/*.parquet").to_pydict()
    before = dict(zip(earlier["id"], earlier["domain"], strict=True))
    source = {r["id"]: r["source"] for r in records}

    def holding(src: str) -> str:  # the earlier domain with most of a source's documents
        domains = [before[i] for i, s in source.items() if s == src]
        return max(set(domains), key=domains.count)

    bible, recipes = holding("kjv-bible"), holding("wikibooks-recipes")
    corpus = write_jsonl(tmp_path / "later.jsonl", records)
    out = tmp_path / "cut"
    merge = {bible: "scripture-and-food", recipes: "scripture-and-food"}
    later = _kept_run(
        spark,
        root,
        corpus,
        out,
        f"domains.rename={json.dumps(merge)}",
        f"domains.split={json.dumps({'scripture-and-food': 2})}",
    )
    first = min(names.index(bible), names.index(recipes))
    kept = [n for n in names if n not in (bible, recipes)]
    parts = later["domains_from"]["split"]["scripture-and-food"]
    assert sorted(parts["into"]) == sorted([bible, recipes])
    assert [d["name"] for d in later["domains"]] == kept[:first] + parts["into"] + kept[first:]
    assert parts == {"into": parts["into"], "docs": 120, "moved_in": 0, "moved_out": 0}
    after = _read(str(out), "docs/*.parquet").select(["id", "domain"]).to_pydict()
    assert len(after["id"]) == len(records)
    assert after["domain"] == [before[i] for i in after["id"]]
    texts = {r["id"]: r["text"] for r in records}
    assert Router.load(str(out)).route([texts[i] for i in after["id"]]) == after["domain"]
    words = f"kept from {root}, merged {' + '.join(sorted([bible, recipes]))} → "
    words += f"scripture-and-food, split scripture-and-food into {' + '.join(parts['into'])} "
    words += "(0 sampled documents of other domains moved in, 0 out)"
    capsys.readouterr()  # the job's own log
    assert main(["domains", "--run", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"{len(names)} domains of {later['input_url']}, {words}"
    # a part has no share in the earlier run: '–' where a kept domain has its share then
    for line in printed[3:]:
        cells = line.split()
        assert (cells[3] == "–") == (cells[0] in parts["into"]), line
