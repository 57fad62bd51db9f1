import type { Migration } from './migration';

// traffic_hour_app (app_id, hour) cost ~2.3 MB a busy day, three quarters of traffic_hour itself
// (bench/db-size.js), and no query needs it any more:
// - per-app hourly figures (the spike detector's usual rate, per-app totals and charts) read app_hour,
//   a few dozen rows an hour, by its primary key (hour first);
// - the rest reads traffic_hour by hour range, its primary key (an app's destinations read hours
//   only at the edges of a range and filter those few thousand rows an hour by app).
export const dropHourAppIndex: Migration = {
  version: 3,
  name: 'drop-hour-app-index',
  up: (db) => {
    db.exec(DROP_INDEX_SQL);
  },
};

const DROP_INDEX_SQL = 'DROP INDEX IF EXISTS traffic_hour_app';
