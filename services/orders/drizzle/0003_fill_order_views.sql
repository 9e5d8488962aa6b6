-- The views of the orders projected before order_views existed, built as order-view.ts builds them.
INSERT INTO `order_views` (`order_id`, `body`)
SELECT `orders`.`id`, json_object(
  'id', `orders`.`id`,
  'userId', `orders`.`user_id`,
  'status', `orders`.`status`,
  'reason', `orders`.`reason`,
  'items', json(`orders`.`items`),
  'totalCents', `orders`.`total_cents`,
  'paymentMethod', `orders`.`payment_method`,
  'placedAt', `orders`.`placed_at`,
  'updatedAt', `orders`.`updated_at`,
  'history', json((
    SELECT json_group_array(
      json_object(
        'type', `order_history`.`type`,
        'time', `order_history`.`time`,
        'stream', `order_history`.`stream`,
        'detail', `order_history`.`detail`
      ) ORDER BY `order_history`.`time`, `order_history`.`stream`, `order_history`.`sequence`
    )
    FROM `order_history`
    WHERE `order_history`.`order_id` = `orders`.`id`
  ))
)
FROM `orders`;
