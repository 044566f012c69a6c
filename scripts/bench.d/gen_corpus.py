#!/usr/bin/env python3
"""Generate the benchmark corpus for scripts/bench: a documenter's trip, deterministic from a seed.

Usage: gen_corpus.py OUT_DIR --mb N --seed S

Writes OUT_DIR/corpus/ (the files), OUT_DIR/corpus.json (what was generated: counts, bytes per
kind, duplicate share, a SHA-256 over every path and file digest) and OUT_DIR/corpus.files (the
relative paths, NUL-separated, in generation order: originals first, then duplicates). The same
seed, size and version of this script give the same bytes every run, on any machine (Python's
Mersenne Twister seeded from a string is specified; randbytes needs Python 3.9).

Shape, for N = 1024 MiB (counts scale with N; sizes stay in their ranges):
  - 20 % of the bytes are exact duplicates of earlier files under other names and folders
    (a clip and photos copied again from the phone, scans sent on to a lawyer, notes re-saved);
  - about 300 photos, 1-6 MiB each (most 1-2 MiB), JPEG-like: FF D8 FF E0 JFIF header,
    pseudo-random body (already-compressed image data), FF D9 trailer;
  - about 40 scanned-document PDFs, 200 KB - 2 MB, "%PDF-1.4" header, pseudo-random body;
  - about 200 text notes in Russian and English, 2-50 KB, made of real words (compressible);
  - 4 video-like MP4 files (ftyp mp42 header, pseudo-random body), which take whatever the
    unique-byte budget leaves after the rest: about 70 MiB each at 1 GiB, sized in a 150:250 spread.
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import sys
import time

MIB = 1 << 20
CHUNK = 1 << 20
FORMAT = 1  # bump when the shape changes; part of the stamp through this file's hash anyway

EN_WORDS = """
the a of and to in on at for with from by about after before during near under over between
witness witnesses village town city district region border checkpoint road bridge river school
hospital market house houses apartment building roof basement shelter street square station
soldier soldiers officer officers police unit convoy vehicle vehicles truck tank drone shell
shells shelling strike strikes explosion fire smoke crater debris damage damaged destroyed
burned looted detained detention arrested released missing killed wounded injured civilian
civilians family families mother father son daughter brother sister neighbour neighbours elderly
child children woman women man men doctor nurse teacher driver farmer volunteer priest
morning evening night afternoon day days week weeks month hours minutes early late around
said says saw heard told asked answered remembered described showed recorded photographed
filmed counted found took brought moved left returned arrived fled hid waited stayed lived
interview testimony statement account record document documents evidence photo photos video
videos map coordinates date time place location name names list lists report reports note
notes copy copies original signature stamp passport certificate registry court lawyer
they he she we it his her their our them him us this that these those there here then when
where who what which because but or not no yes also only still already again later first
second third last many several few some all every each most other same different new old
""".split()

RU_WORDS = """
и в во на с со к по за из от до у о об при для без над под между через после перед около
свидетель свидетели свидетельница село посёлок город район область граница блокпост дорога
мост река школа больница рынок дом дома квартира здание крыша подвал убежище улица площадь
вокзал солдат солдаты офицер офицеры полиция подразделение колонна машина машины грузовик
танк дрон снаряд снаряды обстрел удар удары взрыв пожар дым воронка обломки повреждения
повреждён разрушен сгорел разграблен задержан задержание арестован освобождён пропал убит
ранен раненые мирный мирные жители семья семьи мать отец сын дочь брат сестра сосед соседи
пожилой ребёнок дети женщина женщины мужчина мужчины врач медсестра учитель водитель фермер
волонтёр священник утро утром вечер вечером ночь ночью днём день дни неделя недели месяц
часов минут рано поздно около сказал сказала говорит видел видела слышал слышала рассказал
рассказала спросил ответил вспомнил описал показал записал сфотографировал снял насчитал
нашёл забрал привёз перевёз ушёл вернулся приехал бежал прятался ждал остался жил интервью
показания заявление рассказ запись документ документы доказательства фото фотографии видео
карта координаты дата время место имя имена список списки отчёт отчёты заметка заметки копия
копии оригинал подпись печать паспорт справка реестр суд адвокат они он она мы оно его её
их наш нас ему ей этот эта это эти те там здесь тогда когда где кто что который потому но
или не нет да также только ещё уже снова позже первый второй третий последний много
несколько мало некоторые все каждый большинство другие тот же разные новый старый
""".split()

EN_PLACES = ["Kharkiv region", "Izium", "Kupiansk", "Bucha", "Irpin", "Kherson", "Mykolaiv",
             "Chernihiv", "Sumy", "Zaporizhzhia"]
RU_PLACES = ["Харьковская область", "Изюм", "Купянск", "Буча", "Ирпень", "Херсон", "Николаев",
             "Чернигов", "Сумы", "Запорожье"]


def sentence(r, words):
    n = r.randint(6, 22)
    ws = [r.choice(words) for _ in range(n)]
    if r.random() < 0.3:  # numbers, times and dates, as notes have them
        ws.insert(r.randrange(len(ws)), r.choice([
            f"{r.randint(1, 28):02d}.{r.randint(1, 12):02d}.2024", f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}",
            str(r.randint(2, 140)), f"N{r.uniform(46, 52):.5f} E{r.uniform(30, 38):.5f}"]))
    s = " ".join(ws)
    return s[0].upper() + s[1:] + r.choice([".", ".", ".", "!", "?", ";"])


def text_body(r, lang, size):
    words, places = (RU_WORDS, RU_PLACES) if lang == "ru" else (EN_WORDS, EN_PLACES)
    date = f"2024-{r.randint(3, 9):02d}-{r.randint(1, 28):02d}"
    if lang == "ru":
        head = f"Запись интервью — {date}, {r.choice(places)}\nИнтервьюер: Н. {r.randint(1, 9)}\n\n"
    else:
        head = f"Interview notes — {date}, {r.choice(places)}\nInterviewer: N. {r.randint(1, 9)}\n\n"
    parts = [head]
    n = len(head.encode())
    while n < size:
        para = " ".join(sentence(r, words) for _ in range(r.randint(2, 7))) + "\n\n"
        parts.append(para)
        n += len(para.encode())
    data = "".join(parts).encode()
    # Cut at a character boundary near the target size.
    cut = data[:size]
    return cut.decode("utf-8", errors="ignore").encode() + b"\n"


class Gen:
    def __init__(self, root, seed):
        self.root = root
        self.seed = seed
        self.files = []  # dicts: path, kind, size, sha256, dup_of

    def rng(self, path):
        return random.Random(f"khronika-bench/{self.seed}/{path}")

    def _open(self, rel):
        full = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        return open(full, "wb")

    def _record(self, rel, kind, size, digest, mtime, dup_of=None):
        os.utime(os.path.join(self.root, rel), (mtime, mtime))
        self.files.append({"path": rel, "kind": kind, "size": size, "sha256": digest, "dup_of": dup_of})

    def binary(self, rel, kind, size, header, trailer, mtime):
        """A file of `size` bytes: header, pseudo-random body, trailer."""
        r = self.rng(rel)
        h = hashlib.sha256()
        body = size - len(header) - len(trailer)
        assert body >= 0
        with self._open(rel) as f:
            f.write(header)
            h.update(header)
            left = body
            while left:
                b = r.randbytes(min(CHUNK, left))
                f.write(b)
                h.update(b)
                left -= len(b)
            f.write(trailer)
            h.update(trailer)
        self._record(rel, kind, size, h.hexdigest(), mtime)

    def text(self, rel, lang, size, mtime):
        data = text_body(self.rng(rel), lang, size)
        with self._open(rel) as f:
            f.write(data)
        self._record(rel, "text", len(data), hashlib.sha256(data).hexdigest(), mtime)

    def duplicate(self, src, rel, mtime):
        os.makedirs(os.path.dirname(os.path.join(self.root, rel)), exist_ok=True)
        shutil.copyfile(os.path.join(self.root, src["path"]), os.path.join(self.root, rel))
        self._record(rel, src["kind"], src["size"], src["sha256"], mtime, dup_of=src["path"])


def jpeg_header(r):
    # SOI, APP0 JFIF 1.01, 72 dpi; then a DQT marker start so sniffers see a plausible JPEG.
    return (b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x00\x00"
            + b"\xFF\xDB\x00\x43\x00" + r.randbytes(64))


def mp4_header():
    return b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + b"\x00\x00\x00\x00mdat"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--mb", type=int, required=True, help="total corpus size in MiB")
    ap.add_argument("--seed", required=True)
    a = ap.parse_args()
    if a.mb < 16:
        sys.exit("gen_corpus.py: --mb must be at least 16")

    t0 = time.time()
    corpus = os.path.join(a.out, "corpus")
    tmp = corpus + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(corpus, ignore_errors=True)
    os.makedirs(tmp)

    total = a.mb * MIB
    dup_budget = total // 5
    unique_budget = total - dup_budget
    f = a.mb / 1024
    plan = random.Random(f"khronika-bench/{a.seed}/plan")
    n_photo = max(6, round(300 * f))
    n_pdf = max(3, round(40 * f))
    n_text = max(20, round(200 * f))
    n_video = 4

    # Trip dates, for realistic mtimes (2024-05-06 .. 2024-05-19).
    trip0 = 1714953600
    day = lambda d: trip0 + d * 86400 + plan.randint(7 * 3600, 21 * 3600)

    g = Gen(tmp, a.seed)
    # Photos: 1-6 MiB, skewed to the small end (product of three uniforms: median ~1.35 MiB).
    photo_sizes = [MIB + int(5 * MIB * plan.random() * plan.random() * plan.random()) for _ in range(n_photo)]
    pdf_sizes = [plan.randint(200_000, 2_000_000) for _ in range(n_pdf)]
    text_sizes = [plan.randint(2_000, 50_000) for _ in range(n_text)]
    rest = unique_budget - sum(photo_sizes) - sum(pdf_sizes) - sum(text_sizes)
    w = [plan.uniform(150, 250) for _ in range(n_video)]
    video_sizes = [max(MIB, int(rest * x / sum(w))) for x in w]

    days = 14
    for i, s in enumerate(photo_sizes):
        d = i * days // n_photo
        rel = f"trip-2024-05/photos/day-{d + 1:02d}/IMG_{4000 + i:04d}.JPG"
        g.binary(rel, "photo", s, jpeg_header(g.rng(rel + "#h")), b"\xFF\xD9", day(d))
    for i, s in enumerate(pdf_sizes):
        name = f"скан_протокол_{i + 1:03d}.pdf" if i % 2 else f"scan_{i + 1:03d}.pdf"
        rel = f"trip-2024-05/scans/{name}"
        g.binary(rel, "pdf", s, b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /XObject /Subtype /Image /Filter /DCTDecode >>\nstream\n",
                 b"\nendstream\nendobj\n%%EOF\n", day(plan.randrange(days)))
    for i, s in enumerate(text_sizes):
        lang = "ru" if i % 2 == 0 else "en"
        name = f"показания_{i + 1:03d}.txt" if lang == "ru" else f"interview_{i + 1:03d}.txt"
        g.text(f"trip-2024-05/notes/{lang}/{name}", lang, s, day(plan.randrange(days)))
    for i, s in enumerate(video_sizes):
        d = plan.randrange(days)
        hms = f"{plan.randint(8, 20):02d}{plan.randint(0, 59):02d}{plan.randint(0, 59):02d}"
        g.binary(f"trip-2024-05/video/VID_202405{6 + d:02d}_{hms}.mp4",
                 "video", s, mp4_header(), b"", day(d))

    # Duplicates: exact copies of earlier files under other names, about 20 % of all bytes.
    originals = list(g.files)
    left = dup_budget
    picks = []
    videos = [x for x in originals if x["kind"] == "video"]
    small_video = min(videos, key=lambda x: x["size"])
    if small_video["size"] <= 0.6 * left:  # a clip copied off the phone a second time
        picks.append(small_video)
        left -= small_video["size"]
    others = [x for x in originals if x["kind"] != "video"]
    plan.shuffle(others)
    for x in others:
        if x["size"] <= left:
            picks.append(x)
            left -= x["size"]
        if left < 2_000:
            break
    for n, src in enumerate(picks):
        base = os.path.basename(src["path"])
        folder = {"video": "phone-backup/DCIM/Camera", "photo": "phone-backup/DCIM/Camera",
                  "pdf": "sent-to-lawyer", "text": "notes-resaved"}[src["kind"]]
        stem, ext = os.path.splitext(base)
        g.duplicate(src, f"{folder}/{stem} ({n + 1}){ext}", day(days - 1))

    # Fsync nothing here: scripts/bench syncs before every timed run.
    os.rename(tmp, corpus)
    with open(os.path.join(a.out, "corpus.files"), "wb") as out:
        for x in g.files:
            out.write(x["path"].encode() + b"\0")

    whole = hashlib.sha256()
    for x in g.files:
        whole.update(f"{x['path']}\0{x['size']}\0{x['sha256']}\n".encode())
    kinds = {}
    for x in g.files:
        k = kinds.setdefault(x["kind"], {"files": 0, "bytes": 0, "duplicate_files": 0, "duplicate_bytes": 0})
        k["files"] += 1
        k["bytes"] += x["size"]
        if x["dup_of"]:
            k["duplicate_files"] += 1
            k["duplicate_bytes"] += x["size"]
    all_bytes = sum(x["size"] for x in g.files)
    dup_bytes = sum(x["size"] for x in g.files if x["dup_of"])
    summary = {
        "seed": a.seed,
        "mb": a.mb,
        "files": len(g.files),
        "bytes": all_bytes,
        "duplicate_files": sum(1 for x in g.files if x["dup_of"]),
        "duplicate_bytes": dup_bytes,
        "unique_bytes": all_bytes - dup_bytes,
        "duplicate_share": dup_bytes / all_bytes,
        "by_kind": kinds,
        "sha256": whole.hexdigest(),
        "generated_in_seconds": round(time.time() - t0, 2),
        "list": g.files,
    }
    with open(os.path.join(a.out, "corpus.json"), "w") as out:
        json.dump(summary, out, ensure_ascii=False, indent=1)
    print(f"gen_corpus.py: {len(g.files)} files, {all_bytes / MIB:.1f} MiB "
          f"({dup_bytes / all_bytes:.1%} duplicates) in {time.time() - t0:.1f} s; sha256 {whole.hexdigest()[:16]}…")


if __name__ == "__main__":
    main()
