-- List queries filter on one organisation column and order by (created_at, id): indexes that cover the
-- order too, so a page is read from the index without sorting every matching row.
DROP INDEX licence_applications_applicant;
DROP INDEX licence_applications_authority;
DROP INDEX notifications_exporting;
DROP INDEX notifications_importing;
CREATE INDEX licence_applications_applicant ON licence_applications (applicant_org_id, created_at, id);
CREATE INDEX licence_applications_authority ON licence_applications (authority_org_id, created_at, id);
CREATE INDEX notifications_exporting ON notifications (exporting_org_id, created_at, id);
CREATE INDEX notifications_importing ON notifications (importing_org_id, created_at, id);
