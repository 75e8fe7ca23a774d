// Reads a folder in the MovieLens CSV layout (ratings.csv, movies.csv, optional tags.csv) for
// `npm run bench:quality`. Nothing here is copied anywhere: the files are read at bench time.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** RFC 4180 rows (quoted fields with commas and doubled quotes), header first. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

function table(path) {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
}

/** Files the benchmark needs; null when the folder does not have them. */
export function movieLensFiles(dir) {
  const files = { ratings: join(dir, 'ratings.csv'), movies: join(dir, 'movies.csv'), tags: join(dir, 'tags.csv') };
  if (!existsSync(files.ratings) || !existsSync(files.movies)) return null;
  return files;
}

/**
 * Interactions (every rating, timestamps in ms shifted so the latest is 2024-01-01: the engine
 * accepts events from 2000 on, and MovieLens starts in 1996; differences are kept) and item texts
 * (title with year, genres and the tags users attached, as `tags`).
 */
export function loadMovieLens(dir) {
  const files = movieLensFiles(dir);
  const ratings = table(files.ratings);
  const movies = table(files.movies);
  const tags = existsSync(files.tags) ? table(files.tags) : [];
  const latest = Math.max(...ratings.map((r) => Number(r.timestamp)));
  const shift = Date.UTC(2024, 0, 1) - latest * 1000;
  const interactions = ratings.map((r) => ({ user: r.userId, item: r.movieId, timestamp: Number(r.timestamp) * 1000 + shift, value: Number(r.rating) }));
  const tagsOf = new Map();
  for (const t of tags) {
    const list = tagsOf.get(t.movieId) ?? new Set();
    list.add(t.tag.trim().toLowerCase());
    tagsOf.set(t.movieId, list);
  }
  const items = movies.map((m) => {
    const genres = m.genres === '(no genres listed)' ? [] : m.genres.split('|');
    const userTags = [...(tagsOf.get(m.movieId) ?? [])].filter((t) => t.length > 0 && t.length <= 64);
    return { id: m.movieId, title: m.title.trim(), genres, tags: [...new Set([...genres, ...userTags])].slice(0, 32) };
  });
  return { interactions, items, tagRows: tags.length };
}
