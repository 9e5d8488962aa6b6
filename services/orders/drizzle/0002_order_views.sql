CREATE TABLE `order_views` (
	`order_id` text PRIMARY KEY NOT NULL,
	`body` text NOT NULL
);
