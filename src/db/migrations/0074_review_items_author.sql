-- Discovery's trusted voices count each author's upheld reports (content taken down, or banned).
CREATE INDEX review_items_upheld_author ON review_items (author_id)
  WHERE decision IN ('take_down', 'ban_author');
